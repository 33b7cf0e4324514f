/**
 * Region codes. Administrative units carry NBS statistical division codes (统计用区划代码),
 * 12 digits: province 2 + city 2 + county 2 + township 3 + village 3. Grids extend their
 * community's 12-digit code by 3 digits (GB/T 30428), micro-grids extend their grid's by 2.
 * Codes are identifiers only: "inside" is decided by the ancestor path, never by a prefix.
 */
export const LEVELS = ['city', 'district', 'street', 'community', 'grid', 'microgrid'] as const;
export type Level = (typeof LEVELS)[number];

export const isLevel = (s: string): s is Level => (LEVELS as readonly string[]).includes(s);

/** The depth (1 = city) each level has in a complete hierarchy. */
export const levelDepth = (l: Level): number => LEVELS.indexOf(l) + 1;

/** NBS level names in division CSVs, mapped to ours (NBS `village` is our community). */
const NBS_LEVELS: Record<string, Level> = {
  city: 'city',
  district: 'district',
  county: 'district',
  street: 'street',
  town: 'street',
  township: 'street',
  village: 'community',
  community: 'community',
  grid: 'grid',
  microgrid: 'microgrid',
};

export function parseLevel(raw: string): Level | null {
  return NBS_LEVELS[raw.trim().toLowerCase()] ?? null;
}

/**
 * A code as stored: digits only; 6- or 9-digit NBS codes zero-padded to 12. Returns null when
 * it cannot be a region code (wrong length, not digits).
 */
export function normalizeCode(raw: unknown): string | null {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) raw = String(raw);
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!/^[0-9]+$/.test(s)) return null;
  if (s.length === 6 || s.length === 9) return s.padEnd(12, '0');
  if (s.length === 12 || s.length === 15 || s.length === 17) return s;
  return null;
}

/**
 * The level an NBS code implies by its non-zero parts (12 digits), or grid / microgrid by length.
 * 530100000000 city · 530112000000 district · 530112001000 street · 530112001002 community.
 */
export function levelOfCode(code: string): Level | null {
  if (code.length === 15) return 'grid';
  if (code.length === 17) return 'microgrid';
  if (code.length !== 12) return null;
  if (code.slice(4) === '00000000') return code.slice(2, 4) === '00' ? null : 'city';
  if (code.slice(6) === '000000') return 'district';
  if (code.slice(9) === '000') return 'street';
  return 'community';
}

/** The code an NBS code's parent has by construction (for hierarchy checks of CSV imports). */
export function parentCodeOf(code: string): string | null {
  switch (levelOfCode(code)) {
    case 'district':
      return `${code.slice(0, 4)}00000000`;
    case 'street':
      return `${code.slice(0, 6)}000000`;
    case 'community':
      return `${code.slice(0, 9)}000`;
    case 'grid':
      return code.slice(0, 12);
    case 'microgrid':
      return code.slice(0, 15);
    default:
      return null;
  }
}

/** The n-th grid of a community (n from 1): its 12-digit code + 3 digits. */
export function gridCode(communityCode: string, n: number): string {
  if (communityCode.length !== 12 || n < 1 || n > 999) throw new RangeError(`no grid ${n} under ${communityCode}`);
  return `${communityCode}${String(n).padStart(3, '0')}`;
}

/** The n-th micro-grid of a grid (n from 1): its 15-digit code + 2 digits. */
export function microgridCode(gridCodeValue: string, n: number): string {
  if (gridCodeValue.length !== 15 || n < 1 || n > 99) throw new RangeError(`no micro-grid ${n} under ${gridCodeValue}`);
  return `${gridCodeValue}${String(n).padStart(2, '0')}`;
}

/** Which child level a level has (null below micro-grids). */
export function childLevel(l: Level): Level | null {
  return LEVELS[LEVELS.indexOf(l) + 1] ?? null;
}
