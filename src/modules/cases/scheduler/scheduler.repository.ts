/**
 * All SQL of the SLA scheduler. Candidate reads take no locks; every change is made on rows claimed
 * with FOR UPDATE SKIP LOCKED in a short transaction, and the claim re-checks the condition, so two
 * server instances (or a scan racing a user's command) never act twice on one clock.
 *
 * Timeline events are inserted here with the same columns as the cases repository's insertEvent
 * (cases/index.ts does not export an event writer).
 */
import { actorLabel } from '../../../platform/actor.js';
import type { TxCtx } from '../../../platform/context.js';
import type { Sql } from '../../../platform/db.js';

export type Step = 'sign_for' | 'handle' | 'verify';
export const STEPS: readonly Step[] = ['sign_for', 'handle', 'verify'];

/** States in which each step's clock runs, and the timeline events that (re)start it. */
export const CLOCK: Record<Step, { states: readonly string[]; startEvents: readonly string[]; startColumn: string }> = {
  sign_for: { states: ['dispatched'], startEvents: ['dispatched', 'reopened'], startColumn: 'dispatched_at' },
  handle: { states: ['dispatched', 'signed', 'in_progress'], startEvents: ['dispatched', 'reopened', 'rework'], startColumn: 'dispatched_at' },
  verify: { states: ['handled'], startEvents: ['handled'], startColumn: 'handled_at' },
};

export interface ClockRow {
  city_code: string;
  id: number;
  public_id: string;
  state: string;
  deadline_mode: 'working' | 'calendar';
  due_at: Date;
  warned_at: Date | null;
  started_at: Date | null;
  region_id: number;
  region_path: string;
  centre_region_id: number;
  centre_path: string;
  lead_department_id: number | null;
  version: number;
}

const clockSelect = (step: Step): string => {
  const k = CLOCK[step];
  const types = k.startEvents.map((t) => `'${t}'`).join(', ');
  return `SELECT c.city_code, c.id, c.public_id, c.state, c.deadline_mode, c.${step}_due_at AS due_at, c.${step}_warned_at AS warned_at,
      COALESCE((SELECT max(e.at) FROM case_event e WHERE e.case_id = c.id AND e.city_code = c.city_code AND e.type IN (${types})), c.${k.startColumn}) AS started_at,
      c.region_id, c.region_path, c.centre_region_id, c.centre_path, c.lead_department_id, c.version
    FROM case_file c
   WHERE c.state IN (${k.states.map((s) => `'${s}'`).join(', ')}) AND c.${step}_overdue_at IS NULL AND c.${step}_due_at IS NOT NULL`;
};

/**
 * Running clocks that are not overdue yet, most urgent first. Only clocks due within `horizonMs`
 * are read: a warning falls in the last quarter of its clock, so the horizon only has to cover a
 * quarter of the longest deadline plus the longest run of days off.
 */
export async function clockCandidates(sql: Sql, step: Step, now: Date, horizonMs: number, limit: number): Promise<ClockRow[]> {
  const r = await sql.query<ClockRow>(
    `${clockSelect(step)} AND c.${step}_due_at <= $1 ORDER BY c.${step}_due_at LIMIT $2`,
    [new Date(now.getTime() + horizonMs), limit],
  );
  return r.rows;
}

/** The same clocks, locked; rows another transaction holds are skipped (retried next scan). */
export async function claimClocks(tx: Sql, step: Step, ids: number[]): Promise<ClockRow[]> {
  const r = await tx.query<ClockRow>(`${clockSelect(step)} AND c.id = ANY ($1::bigint[]) ORDER BY c.id FOR UPDATE OF c SKIP LOCKED`, [ids]);
  return r.rows;
}

export async function markWarned(tx: Sql, k: { city_code: string; id: number }, step: Step, now: Date): Promise<void> {
  await tx.query(`UPDATE case_file SET ${step}_warned_at = $3, updated_at = $3 WHERE city_code = $1 AND id = $2`, [k.city_code, k.id, now]);
}

/** A clock found overdue is also marked warned, so a late warning never follows it. */
export async function markOverdue(tx: Sql, k: { city_code: string; id: number }, step: Step, now: Date): Promise<void> {
  await tx.query(
    `UPDATE case_file SET ${step}_overdue_at = $3, ${step}_warned_at = COALESCE(${step}_warned_at, $3), updated_at = $3 WHERE city_code = $1 AND id = $2`,
    [k.city_code, k.id, now],
  );
}

export interface RepeatRow {
  city_code: string;
  id: number;
  public_id: string;
  state: string;
  region_id: number;
  region_path: string;
  centre_region_id: number;
  centre_path: string;
  lead_department_id: number | null;
  return_count: number;
  transfer_count: number;
  reopen_count: number;
  escalation_count: number;
  kind: 'repeat_return' | 'repeat_reopen';
  count: number;
}

// The 12345 rule counts returns and transfers as one thing (every transfer follows a return, so
// the larger of the two counters is the number of times the case bounced), reopens separately.
const repeatSelect = (openStates: readonly string[], lock: boolean) => `
  SELECT c.city_code, c.id, c.public_id, c.state, c.region_id, c.region_path, c.centre_region_id, c.centre_path, c.lead_department_id,
         c.return_count, c.transfer_count, c.reopen_count, c.escalation_count, k.kind, k.count
    FROM case_file c
   CROSS JOIN LATERAL (VALUES ('repeat_return', GREATEST(c.return_count, c.transfer_count)), ('repeat_reopen', c.reopen_count)) AS k(kind, count)
   WHERE (c.return_count >= 3 OR c.transfer_count >= 3 OR c.reopen_count >= 3)
     AND k.count >= 3
     AND c.state IN (${openStates.map((s) => `'${s}'`).join(', ')})
     AND NOT EXISTS (SELECT 1 FROM supervision_ticket t WHERE t.case_id = c.id AND t.city_code = c.city_code AND t.kind = k.kind)
     ${lock ? 'AND c.id = ANY ($1::bigint[]) ORDER BY c.id FOR UPDATE OF c SKIP LOCKED' : 'ORDER BY c.id LIMIT $1'}`;

/** Open cases past the 12345 threshold without a ticket of that kind (ever): once per crossing. */
export async function repeatCandidates(sql: Sql, openStates: readonly string[], limit: number): Promise<RepeatRow[]> {
  return (await sql.query<RepeatRow>(repeatSelect(openStates, false), [limit])).rows;
}

export async function claimRepeat(tx: Sql, openStates: readonly string[], ids: number[]): Promise<RepeatRow[]> {
  return (await tx.query<RepeatRow>(repeatSelect(openStates, true), [ids])).rows;
}

export async function moveCentre(tx: Sql, k: { city_code: string; id: number }, to: { id: number; path: string }, now: Date): Promise<void> {
  await tx.query(
    `UPDATE case_file SET centre_region_id = $3, centre_path = $4, escalation_count = escalation_count + 1, version = version + 1, updated_at = $5
      WHERE city_code = $1 AND id = $2`,
    [k.city_code, k.id, to.id, to.path, now],
  );
}

export interface RegionRef {
  id: number;
  code: string;
  name: string;
  level: string;
  path: string;
}

export async function chainOf(sql: Sql, path: string): Promise<RegionRef[]> {
  const ids = path.split('/').filter(Boolean).map(Number);
  const r = await sql.query<RegionRef>('SELECT id, code, name, level, path FROM region WHERE id = ANY ($1::bigint[]) ORDER BY depth', [ids]);
  return r.rows;
}

/** Opens a ticket; null when an open ticket of this kind for the case at that region exists. */
export async function openTicket(
  tx: Sql,
  v: { cityCode: string; caseId: number; region: RegionRef; kind: 'overdue' | 'repeat_return' | 'repeat_reopen'; reason: string; now: Date },
): Promise<number | null> {
  const r = await tx.query<{ id: number }>(
    `INSERT INTO supervision_ticket (city_code, case_id, region_id, region_path, level, kind, reason, opened_at, opened_by_type)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'system') ON CONFLICT DO NOTHING RETURNING id`,
    [v.cityCode, v.caseId, v.region.id, v.region.path, v.region.level, v.kind, v.reason, v.now],
  );
  return r.rows[0]?.id ?? null;
}

export async function insertCaseEvent(
  c: TxCtx,
  k: { city_code: string; id: number; state: string },
  e: { type: string; data: Record<string, unknown>; departmentId?: number | null },
): Promise<void> {
  const who = actorLabel(c.actor);
  await c.tx.query(
    `INSERT INTO case_event (city_code, case_id, at, type, from_state, to_state, actor_type, actor_id, actor_name, department_id, data, public, public_text, request_id)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, false, NULL, $11)`,
    [k.city_code, k.id, c.now, e.type, k.state, who.type, who.id, who.name, e.departmentId ?? null, JSON.stringify(e.data), c.requestId],
  );
}

/** Active users holding a handler grant for the department. */
export async function departmentHandlers(sql: Sql, departmentId: number): Promise<number[]> {
  const r = await sql.query<{ user_id: number }>(
    `SELECT DISTINCT g.user_id FROM role_grant g JOIN app_user u ON u.id = g.user_id
      WHERE g.role = 'handler' AND g.department_id = $1 AND NOT u.disabled ORDER BY g.user_id`,
    [departmentId],
  );
  return r.rows.map((x) => Number(x.user_id));
}

/** Active users holding one of the roles granted exactly at one of the regions (a centre's staff). */
export async function staffAt(sql: Sql, regionIds: number[], roles: readonly string[]): Promise<number[]> {
  if (regionIds.length === 0) return [];
  const r = await sql.query<{ user_id: number }>(
    `SELECT DISTINCT g.user_id FROM role_grant g JOIN app_user u ON u.id = g.user_id
      WHERE g.role = ANY ($2::text[]) AND g.region_id = ANY ($1::bigint[]) AND NOT u.disabled ORDER BY g.user_id`,
    [regionIds, roles],
  );
  return r.rows.map((x) => Number(x.user_id));
}
