/** Small pieces several steps share: deadlines from the category, centre moves, the 12345 rule. */
import type { TxCtx } from '../../../platform/context.js';
import { AppError } from '../../../platform/errors.js';
import { computeDeadline } from '../cases.deadlines.js';
import * as repo from '../cases.repository.js';
import type { CaseView, CategoryRow, LevelDeadlines } from '../cases.types.js';

export async function categoryOf(c: TxCtx, code: string): Promise<CategoryRow> {
  const cat = await repo.getCategory(c.tx, code);
  if (!cat) throw new AppError('category_not_found', `No category ${code}.`);
  return cat;
}

export const levelDeadlines = (cat: CategoryRow, level: number): LevelDeadlines =>
  cat.deadlines[String(level) as '1' | '2' | '3'] ?? cat.deadlines['3'];

/** Fresh sign-for and handle clocks from `from` (a dispatch or a reopen); markers cleared. */
export function dispatchClocks(cat: CategoryRow, level: number, from: Date): Record<string, unknown> {
  const d = levelDeadlines(cat, level);
  return {
    deadline_mode: d.mode,
    sign_for_due_at: computeDeadline(from, d.sign_for, d.mode),
    sign_for_warned_at: null,
    sign_for_overdue_at: null,
    handle_due_at: computeDeadline(from, d.handle, d.mode),
    handle_warned_at: null,
    handle_overdue_at: null,
    verify_due_at: null,
    verify_warned_at: null,
    verify_overdue_at: null,
  };
}

export const CENTRE_LEVELS = ['city', 'district', 'street', 'community'] as const;

/** The next centre above the case's centre (community → street → district → city), or null at the top. */
export async function centreAbove(c: TxCtx, k: CaseView): Promise<repo.RegionRef | null> {
  const chain = await repo.chainOf(c.tx, k.centre_path);
  const above = chain.slice(0, -1).reverse();
  return above.find((r) => (CENTRE_LEVELS as readonly string[]).includes(r.level)) ?? null;
}

/**
 * The 12345 rule: a case returned/transferred 3 or more times, or reopened 3 or more times, goes to
 * the next centre up, with a supervision ticket (督办单) there.
 */
export async function repeatEscalation(
  c: TxCtx,
  k: CaseView,
  kind: 'repeat_return' | 'repeat_reopen',
  count: number,
): Promise<{ set: Record<string, unknown>; up: repo.RegionRef } | null> {
  if (count < 3) return null;
  const up = await centreAbove(c, k);
  if (!up) return null;
  const reason = kind === 'repeat_return' ? `returned or transferred ${count} times` : `reopened ${count} times`;
  await c.tx.query(
    `INSERT INTO supervision_ticket (city_code, case_id, region_id, region_path, level, kind, reason, opened_at, opened_by_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'system') ON CONFLICT DO NOTHING`,
    [k.city_code, k.id, up.id, up.path, up.level, kind, reason, c.now],
  );
  return { set: { centre_region_id: up.id, centre_path: up.path, escalation_count: k.escalation_count + 1 }, up };
}

/** The routing rule that would choose the department for this case, if any. */
export async function suggestRouting(c: TxCtx | { tx: TxCtx['tx'] }, k: Pick<CaseView, 'category_code' | 'region_path'>): Promise<repo.RoutingRuleRow | null> {
  const cat = await repo.getCategory(c.tx, k.category_code);
  return repo.findRoutingRule(c.tx, k.category_code, cat?.parent_code ?? null, k.region_path);
}
