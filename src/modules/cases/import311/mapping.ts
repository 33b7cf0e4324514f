/**
 * How a historical CSV's columns and codes map onto the platform's fields. The default is the
 * shape of the project's us311 fixture (test/fixtures/us311); another city's export is imported
 * with `--map created_at=opened,closed_at=closed,...` (parseMappingSpec) plus, when the file has
 * no zone column, a default zone.
 */
import { invalid } from '../../../platform/errors.js';

/** The platform's names for the columns of a historical case file. */
export const MAPPABLE_FIELDS = [
  'city',
  'dataset',
  'request_id',
  'tz',
  'created_at',
  'closed_at',
  'status',
  'category',
  'subcategory',
  'agency',
  'channel',
  'lat',
  'lon',
  'admin_area',
  'address',
  'description',
  'hours_to_close',
] as const;

export type MappableField = (typeof MAPPABLE_FIELDS)[number];

/** Field → source column name; null means the file has no such column. */
export type ColumnMapping = Record<MappableField, string | null>;

export const DEFAULT_MAPPING: Readonly<ColumnMapping> = Object.freeze({
  city: 'city',
  dataset: 'dataset',
  request_id: 'request_id',
  tz: 'tz',
  created_at: 'created_at',
  closed_at: 'closed_at',
  status: 'status',
  category: 'category',
  subcategory: 'subcategory',
  agency: 'agency',
  channel: 'channel',
  lat: 'lat',
  lon: 'lon',
  admin_area: 'admin_area',
  address: null,
  description: null,
  hours_to_close: 'hours_to_close',
});

/** Without these a row cannot become a case. `tz` may instead come from a default zone. */
export const REQUIRED_FIELDS: readonly MappableField[] = ['request_id', 'created_at'];

const isField = (k: string): k is MappableField => (MAPPABLE_FIELDS as readonly string[]).includes(k);

/** The default mapping with some fields pointed at other columns (or at none). */
export function resolveMapping(overrides: Partial<Record<string, string | null>> = {}): ColumnMapping {
  const out: ColumnMapping = { ...DEFAULT_MAPPING };
  for (const [k, v] of Object.entries(overrides)) {
    if (!isField(k)) throw invalid('map', `unknown field '${k}'; known: ${MAPPABLE_FIELDS.join(', ')}`);
    out[k] = v === undefined || v === null || v.trim() === '' ? null : v.trim();
  }
  return out;
}

/**
 * Parse the CLI's `--map` value: comma-separated `field=column` pairs; `field=` unmaps a field.
 * Column names containing commas cannot be expressed (none seen in 311 exports).
 */
export function parseMappingSpec(spec: string): ColumnMapping {
  const overrides: Record<string, string | null> = {};
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw invalid('map', `'${p}' is not field=column`);
    const field = p.slice(0, eq).trim();
    if (field in overrides) throw invalid('map', `'${field}' is mapped twice`);
    overrides[field] = p.slice(eq + 1).trim() || null;
  }
  return resolveMapping(overrides);
}

/**
 * Where a historical record stands, in the platform's workflow vocabulary. A 311 record has no
 * separate acceptance step: it exists because the source system took it in, so "Open" is accepted.
 */
export type ImportedState = 'accepted' | 'dispatched' | 'in_progress' | 'closed' | 'cancelled' | 'referred';

/** Source status (compared trimmed, case-insensitive) → state. Unknown statuses import as accepted, flagged. */
export const DEFAULT_STATUS_MAP: Readonly<Record<string, ImportedState>> = Object.freeze({
  open: 'accepted',
  new: 'accepted',
  assigned: 'dispatched',
  'in progress': 'in_progress',
  pending: 'in_progress',
  closed: 'closed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  'referred out': 'referred',
  referred: 'referred',
  transferred: 'referred',
});

/**
 * Source channel → the platform's intake channels (CHANNELS in cases.types.ts: web, h5, patrol,
 * hotline, police, open311, import). `patrol` is a city crew reporting what it saw (LA's "Driver
 * Self Report"), the analogue of a grid worker's patrol. Channels with no platform equivalent
 * (another agency, walk-in, mail) fall to `import`; the source value stays in sourceChannel.
 */
export const DEFAULT_CHANNEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  call: 'hotline',
  'voice in': 'hotline',
  phone: 'hotline',
  voicemail: 'hotline',
  'mobile app': 'h5',
  mobile: 'h5',
  'self service': 'web',
  'web self service': 'web',
  online: 'web',
  email: 'web',
  'e-mail in': 'web',
  twitter: 'web',
  'driver self report': 'patrol',
  open311: 'open311',
});

/** What a channel with no entry in the map (or an empty one) becomes. */
export const UNKNOWN_CHANNEL = 'import';
