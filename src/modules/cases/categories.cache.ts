/**
 * Categories as intake reads them, kept in memory for a moment: every report reads its category,
 * and the taxonomy changes a few times a year. A change made through this process
 * (categories.service) clears the cache at once; another node of the same city sees it within
 * TTL_MS. Only intake reads through here: screens and commands read the table.
 */
import type { Sql } from '../../platform/db.js';
import { getCategory } from './cases.repository.js';
import type { CategoryRow } from './cases.types.js';

export const CATEGORY_CACHE_TTL_MS = 10_000;

const cache = new Map<string, { row: CategoryRow | null; at: number }>();

export async function getCategoryCached(sql: Sql, code: string, now = Date.now()): Promise<CategoryRow | null> {
  const hit = cache.get(code);
  if (hit && now - hit.at < CATEGORY_CACHE_TTL_MS) return hit.row;
  const row = await getCategory(sql, code);
  // Unknown codes are not kept: a typo must not fill the map, and a new category is seen at once.
  if (row) cache.set(code, { row, at: now });
  else cache.delete(code);
  return row;
}

/** After any write to the taxonomy. */
export function invalidateCategoryCache(): void {
  cache.clear();
}
