/**
 * The SLA scheduler's public surface (inside the cases module): the background loop, one scan for
 * tests and the CLI, and the calendar-backed deadline functions cases.deadlines.ts switches to.
 */
import type { AppDeps } from '../../types.js';
import { loadSlaCalendar, slaCalendar } from './deadlines.js';
import { runSlaScan } from './scan.js';

export { runSlaScan, centreAboveIn, STEP_LABEL, type ScanResult, type ScanOptions } from './scan.js';
export { computeDeadline, workingMsBetween, shiftDeadline, loadSlaCalendar, slaCalendar, setSlaCalendar } from './deadlines.js';

/** Audit verbs the scheduler writes (for the cases manifest's auditVerbs). */
export const SLA_AUDIT_VERBS = ['case.sla_warning', 'case.sla_overdue', 'case.escalate_auto'] as const;

/** How often the scan runs, and how often the calendar is re-read from work_calendar. */
export const SLA_SCAN_INTERVAL_MS = 30_000;
export const SLA_CALENDAR_RELOAD_MS = 5 * 60_000;

/** For the cases manifest's onReady: deadlines use the database's calendar from the start. */
export async function slaOnReady(deps: AppDeps): Promise<void> {
  await loadSlaCalendar(deps.db);
}

/**
 * The scheduler inside a running server (manifest.background). Every instance runs it; the scan's
 * row claims make that safe. A pass never overlaps the previous one in the same process.
 */
export function slaBackground(deps: AppDeps, log: (msg: string, err?: unknown) => void): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let lastReload = Date.now();
  const tick = () => {
    // A pass never overlaps the previous one: a slow pass makes the next tick a no-op.
    if (stopped || busy) return;
    busy = true;
    running = (async () => {
      try {
        if (Date.now() - lastReload >= SLA_CALENDAR_RELOAD_MS) {
          lastReload = Date.now();
          await loadSlaCalendar(deps.db);
        }
        await runSlaScan(deps.db, deps.now(), slaCalendar());
      } catch (e) {
        log('SLA scan failed; will retry', e);
      } finally {
        busy = false;
      }
    })();
  };
  const timer = setInterval(tick, SLA_SCAN_INTERVAL_MS);
  timer.unref();
  const first = setTimeout(tick, 1_000);
  first.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(first);
    await running;
  };
}
