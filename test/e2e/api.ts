/** A minimal API client for setting up journeys (the steps a journey is not about). */
import { baseUrl } from './browser.js';

export interface Session {
  cookie: string;
  csrf: string;
}

export async function apiLogin(phone: string, password = 'demo-password'): Promise<Session> {
  const r = await fetch(`${baseUrl()}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, password }) });
  if (!r.ok) throw new Error(`login ${phone}: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const body = (await r.json()) as { csrfToken: string };
  return { cookie, csrf: body.csrfToken };
}

export async function api<T = unknown>(s: Session | null, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (s) {
    headers.cookie = s.cookie;
    headers['x-csrf-token'] = s.csrf;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${baseUrl()}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface RegionItem {
  code: string;
  name: string;
  centroid: [number, number] | null;
}

/** The first unit of each level below a region, following codes (as the demo users' grants do). */
export async function firstDescendant(code: string, levels: number): Promise<RegionItem> {
  let cur = await api<RegionItem>(null, 'GET', `/api/regions/${code}`);
  for (let i = 0; i < levels; i++) {
    const kids = await api<{ items: RegionItem[] }>(null, 'GET', `/api/regions/${cur.code}/children`);
    const first = [...kids.items].sort((a, b) => a.code.localeCompare(b.code))[0];
    if (!first) break;
    cur = first;
  }
  return cur;
}

export async function report(s: Session, at: [number, number], description: string, categoryCode = 'SANITATION.STREET_DIRTY'): Promise<{ id: number; publicId: string }> {
  const r = await api<{ case: { id: number; publicId: string } }>(s, 'POST', '/api/cases', {
    channel: 'web',
    categoryCode,
    description,
    location: { lng: at[0], lat: at[1], crs: 'wgs84' },
  });
  return r.case;
}
