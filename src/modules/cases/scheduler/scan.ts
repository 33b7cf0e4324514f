/**
 * One pass of the SLA scheduler: warnings at 75 % of each running clock, overdue marks with a
 * supervision ticket (督办单) at the centre above, and the 12345 rule (3 returns/transfers or 3
 * reopens → the case goes to the centre above, with a ticket there).
 *
 * Safe with several server instances: candidates are read without locks, then acted on in short
 * transactions that claim the rows FOR UPDATE SKIP LOCKED and re-decide on the locked row. A row
 * another instance (or a user's command) holds is left for the next pass. Every action is
 * idempotent on the row: a marked clock is no longer a candidate, a ticket kind once opened is
 * never opened again by the rule.
 */
import { systemActor } from '../../../platform/actor.js';
import type { TxCtx } from '../../../platform/context.js';
import type { Database } from '../../../platform/db.js';
import { recordAudit } from '../../audit/index.js';
import { notify, publishEvent } from '../../notifications/index.js';
import { OPEN_STATES } from '../cases.states.js';
import { localDateOf, warningAt, type Calendar } from '../sla/index.js';
import { slaCalendar } from './deadlines.js';
import * as repo from './scheduler.repository.js';
import type { ClockRow, RegionRef, RepeatRow, Step } from './scheduler.repository.js';

export interface ScanResult {
  /** Clocks that reached 75 % and were warned. */
  warned: number;
  /** Clocks marked overdue. */
  overdue: number;
  /** Cases moved to the centre above by the 12345 rule. */
  escalated: number;
  /** Supervision tickets opened (overdue and 12345 rule). */
  tickets: number;
}

export interface ScanOptions {
  /** Candidates read per step and pass (most urgent first). */
  limit?: number;
  /** Rows claimed per transaction. */
  batch?: number;
  /** How far ahead of `now` a deadline may lie and still be looked at (default 60 days). */
  horizonMs?: number;
}

const DAY = 86_400_000;
export const STEP_LABEL: Record<Step, string> = { sign_for: '签收', handle: '处置', verify: '核查' };
const CENTRE_LEVELS = ['city', 'district', 'street', 'community'];

// Warning instants are pure functions of (start, deadline, mode, calendar): memoised per process so
// a scan over thousands of running clocks does the calendar walk once per clock, not once per pass.
// Keyed by calendar object, so a reloaded calendar (an edited holiday) starts a fresh memo.
const warnMemos = new WeakMap<Calendar, Map<string, number>>();
function warnAt(row: ClockRow, cal: Calendar): number {
  const start = row.started_at ? new Date(row.started_at) : new Date(row.due_at);
  const key = `${row.deadline_mode}:${start.getTime()}:${new Date(row.due_at).getTime()}`;
  let memo = warnMemos.get(cal);
  if (!memo) warnMemos.set(cal, (memo = new Map()));
  let w = memo.get(key);
  if (w === undefined) {
    w = warningAt(start, new Date(row.due_at), cal, row.deadline_mode).getTime();
    if (memo.size > 200_000) memo.clear();
    memo.set(key, w);
  }
  return w;
}

type Decision = 'warn' | 'overdue' | null;
function decide(row: ClockRow, now: Date, cal: Calendar): Decision {
  const t = now.getTime();
  // Overdue strictly after the deadline, as clockState() says.
  if (t > new Date(row.due_at).getTime()) return 'overdue';
  if (row.warned_at === null && t >= warnAt(row, cal)) return 'warn';
  return null;
}

const fmt = (d: Date): string => {
  const day = localDateOf(d);
  const hm = new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(11, 16);
  return `${day} ${hm}`;
};

/** The next centre (community → street → district → city) above `path`; the top centre itself at the top. */
export function centreAboveIn(chain: RegionRef[], centrePath: string): RegionRef | null {
  const centres = chain.filter((r) => CENTRE_LEVELS.includes(r.level));
  const i = centres.findIndex((r) => r.path === centrePath);
  if (i > 0) return centres[i - 1]!;
  if (i === 0) return centres[0]!;
  // The centre is not a centre level (should not happen): the deepest centre above it.
  return centres.filter((r) => centrePath.startsWith(r.path) && r.path !== centrePath).pop() ?? null;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function txCtx(tx: TxCtx['tx'], now: Date): TxCtx {
  return { actor: systemActor('sla-scheduler'), now, requestId: `sla-${now.getTime()}`, ip: null, tx };
}

async function warn(c: TxCtx, row: ClockRow, step: Step): Promise<void> {
  await repo.markWarned(c.tx, row, step, c.now);
  const dueAt = new Date(row.due_at);
  await repo.insertCaseEvent(c, row, { type: 'deadline_warning', data: { step, dueAt: dueAt.toISOString() }, departmentId: step === 'verify' ? null : row.lead_department_id });
  await recordAudit(c, { action: 'case.sla_warning', targetType: 'case', targetId: row.id, regionId: row.region_id, before: { [`${step}_warned_at`]: null }, after: { [`${step}_warned_at`]: c.now } });
  const userIds = step !== 'verify' && row.lead_department_id !== null
    ? await repo.departmentHandlers(c.tx, row.lead_department_id)
    : await repo.staffAt(c.tx, [row.centre_region_id], ['operator']);
  await notify(c.tx, { userIds, template: 'case.deadline_warning', params: { publicId: row.public_id, step: STEP_LABEL[step], deadline: fmt(dueAt) }, link: `/cases/${row.id}` });
  await publishEvent(c.tx, 'case.deadline_warning', { caseId: row.id, publicId: row.public_id, regionPath: row.region_path, centrePath: row.centre_path, step, dueAt: dueAt.toISOString() });
}

async function overdue(c: TxCtx, row: ClockRow, step: Step): Promise<boolean> {
  await repo.markOverdue(c.tx, row, step, c.now);
  const dueAt = new Date(row.due_at);
  const chain = await repo.chainOf(c.tx, row.centre_path);
  const up = centreAboveIn(chain, row.centre_path);
  const ticketId = up
    ? await repo.openTicket(c.tx, { cityCode: row.city_code, caseId: row.id, region: up, kind: 'overdue', reason: `${STEP_LABEL[step]}超期 (${step} overdue since ${dueAt.toISOString()})`, now: c.now })
    : null;
  await repo.insertCaseEvent(c, row, {
    type: 'overdue',
    data: { step, dueAt: dueAt.toISOString(), ticketId, supervisingCentre: up ? { id: up.id, name: up.name, level: up.level } : null },
    departmentId: step === 'verify' ? null : row.lead_department_id,
  });
  await recordAudit(c, {
    action: 'case.sla_overdue',
    targetType: 'case',
    targetId: row.id,
    regionId: row.region_id,
    before: { [`${step}_overdue_at`]: null },
    after: { [`${step}_overdue_at`]: c.now, ticketId },
  });
  const handlers = row.lead_department_id !== null && step !== 'verify' ? await repo.departmentHandlers(c.tx, row.lead_department_id) : [];
  const operators = await repo.staffAt(c.tx, [row.centre_region_id, ...(up && up.id !== row.centre_region_id ? [up.id] : [])], ['operator']);
  const supervisors = up ? await repo.staffAt(c.tx, [up.id], ['supervisor']) : [];
  await notify(c.tx, { userIds: [...handlers, ...operators, ...supervisors], template: 'case.overdue', params: { publicId: row.public_id, step: STEP_LABEL[step] }, link: `/cases/${row.id}` });
  await publishEvent(c.tx, 'case.overdue', {
    caseId: row.id,
    publicId: row.public_id,
    regionPath: row.region_path,
    centrePath: row.centre_path,
    step,
    dueAt: dueAt.toISOString(),
    ticketId,
    ticketRegionPath: up?.path ?? null,
  });
  return ticketId !== null;
}

async function repeatEscalate(c: TxCtx, row: RepeatRow): Promise<{ moved: boolean; ticket: boolean }> {
  const chain = await repo.chainOf(c.tx, row.centre_path);
  const up = centreAboveIn(chain, row.centre_path);
  if (!up) return { moved: false, ticket: false };
  const moved = up.path !== row.centre_path;
  const reason = row.kind === 'repeat_return' ? `returned or transferred ${row.count} times` : `reopened ${row.count} times`;
  const ticketId = await repo.openTicket(c.tx, { cityCode: row.city_code, caseId: row.id, region: up, kind: row.kind, reason, now: c.now });
  if (moved) await repo.moveCentre(c.tx, row, up, c.now);
  await repo.insertCaseEvent(c, row, {
    type: 'escalated',
    data: { auto: true, rule: row.kind, count: row.count, fromCentreId: row.centre_region_id, toCentreId: up.id, toCentreName: up.name, ticketId, reason },
  });
  await recordAudit(c, {
    action: 'case.escalate_auto',
    targetType: 'case',
    targetId: row.id,
    regionId: row.region_id,
    before: { centre_region_id: row.centre_region_id, escalation_count: row.escalation_count },
    after: { centre_region_id: up.id, escalation_count: row.escalation_count + (moved ? 1 : 0), ticketId, rule: row.kind },
  });
  const userIds = await repo.staffAt(c.tx, [up.id], ['operator', 'supervisor']);
  await notify(c.tx, { userIds, template: 'case.task_assigned', params: { publicId: row.public_id, step: `督办（${reason}）` }, link: `/cases/${row.id}` });
  await publishEvent(c.tx, 'case.escalated', { caseId: row.id, publicId: row.public_id, regionPath: row.region_path, rule: row.kind, count: row.count, toCentreId: up.id, ticketId });
  return { moved, ticket: ticketId !== null };
}

/**
 * One pass at `now`. Returns what it did; a second pass at the same `now` does nothing.
 * The calendar defaults to the process-wide one (scheduler/deadlines.ts).
 */
export async function runSlaScan(db: Database, now: Date, calendar: Calendar = slaCalendar(), opts: ScanOptions = {}): Promise<ScanResult> {
  const limit = opts.limit ?? 5_000;
  const batch = opts.batch ?? 50;
  const horizon = opts.horizonMs ?? 60 * DAY;
  const out: ScanResult = { warned: 0, overdue: 0, escalated: 0, tickets: 0 };

  for (const step of repo.STEPS) {
    const due = (await repo.clockCandidates(db, step, now, horizon, limit)).filter((r) => decide(r, now, calendar) !== null);
    for (const ids of chunks(due.map((r) => r.id), batch)) {
      const done = await db.tx(async (tx) => {
        const c = txCtx(tx, now);
        const acc = { warned: 0, overdue: 0, tickets: 0 };
        for (const row of await repo.claimClocks(tx, step, ids)) {
          const d = decide(row, now, calendar);
          if (d === 'warn') {
            await warn(c, row, step);
            acc.warned++;
          } else if (d === 'overdue') {
            if (await overdue(c, row, step)) acc.tickets++;
            acc.overdue++;
          }
        }
        return acc;
      });
      out.warned += done.warned;
      out.overdue += done.overdue;
      out.tickets += done.tickets;
    }
  }

  const repeats = await repoRepeat(db, limit);
  for (const ids of chunks([...new Set(repeats.map((r) => r.id))], batch)) {
    const done = await db.tx(async (tx) => {
      const c = txCtx(tx, now);
      const acc = { escalated: 0, tickets: 0 };
      // One case may cross both thresholds: act on the kinds one at a time, each on the fresh row.
      const seen = new Set<number>();
      for (const row of await repo.claimRepeat(tx, OPEN_STATES, ids)) {
        if (seen.has(row.id)) {
          const fresh = (await repo.claimRepeat(tx, OPEN_STATES, [row.id])).find((r) => r.kind === row.kind);
          if (!fresh) continue;
          row.centre_path = fresh.centre_path;
          row.centre_region_id = fresh.centre_region_id;
          row.escalation_count = fresh.escalation_count;
        }
        seen.add(row.id);
        const r = await repeatEscalate(c, row);
        if (r.moved) acc.escalated++;
        if (r.ticket) acc.tickets++;
      }
      return acc;
    });
    out.escalated += done.escalated;
    out.tickets += done.tickets;
  }
  return out;
}

const repoRepeat = (db: Database, limit: number) => repo.repeatCandidates(db, OPEN_STATES, limit);
