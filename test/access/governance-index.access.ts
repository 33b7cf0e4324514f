/**
 * governance-index endpoints for the access matrix (endpoint × role × in/out of scope). Not a test
 * file itself: the matrix test imports it. Placeholders: :id is a snapshot computed over the
 * fixture city, :code a region of that city; "outOfScope" says what a holder of an allowed role
 * granted on ANOTHER city's region gets (same answer as for a missing object).
 */
import type { Role } from '../../src/platform/actor.js';

export interface AccessRow {
  method: 'GET' | 'POST';
  url: string;
  policy: string;
  /** Roles that may call it (granted over the object's region); every other role gets 403, nobody 401. */
  allow: readonly Role[];
  /** What an allowed role outside the object's region gets. */
  outOfScope: 404 | 400 | 'empty' | 'n/a';
  note?: string;
}

const READ: readonly Role[] = ['analyst', 'admin', 'supervisor'];

export const governanceIndexAccess: readonly AccessRow[] = [
  { method: 'GET', url: '/api/index/indicators', policy: 'index.read', allow: READ, outOfScope: 'n/a' },
  { method: 'POST', url: '/api/index/indicators/import', policy: 'index.indicators.import', allow: ['analyst', 'admin'], outOfScope: 400, note: 'a region code outside the importer\'s scope reads as unknown (400 naming the row)' },
  { method: 'GET', url: '/api/index/frameworks', policy: 'index.read', allow: READ, outOfScope: 'n/a', note: 'frameworks are city-independent definitions' },
  { method: 'GET', url: '/api/index/frameworks/gzi-default', policy: 'index.read', allow: READ, outOfScope: 'n/a' },
  { method: 'POST', url: '/api/index/frameworks', policy: 'index.frameworks.create', allow: ['admin'], outOfScope: 'n/a' },
  { method: 'POST', url: '/api/index/snapshots', policy: 'index.compute', allow: ['analyst', 'admin'], outOfScope: 404, note: 'with scope = a region outside the actor\'s grants' },
  { method: 'GET', url: '/api/index/snapshots', policy: 'index.read', allow: READ, outOfScope: 'empty' },
  { method: 'GET', url: '/api/index/snapshots/:id', policy: 'index.read', allow: READ, outOfScope: 404 },
  { method: 'GET', url: '/api/index/snapshots/:id/regions/:code', policy: 'index.read', allow: READ, outOfScope: 404 },
  { method: 'GET', url: '/api/index/snapshots/:id/geojson', policy: 'index.read', allow: READ, outOfScope: 404 },
  { method: 'GET', url: '/api/index/snapshots/:id/report.xlsx', policy: 'index.read', allow: READ, outOfScope: 404 },
  { method: 'GET', url: '/api/index/snapshots/:id/report.pdf', policy: 'index.read', allow: READ, outOfScope: 404, note: '503 report_unavailable where Chromium is missing' },
  { method: 'GET', url: '/api/index/trend?framework=gzi-default&region=:code', policy: 'index.read', allow: READ, outOfScope: 404 },
];
