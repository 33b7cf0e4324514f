/**
 * The incremental KPI fold. A trigger on case_event marks each case whose timeline moved
 * (kpi_dirty_case, in the writer's transaction); the fold takes a batch of marks, recomputes those
 * cases' facts from their rows and timelines, and adds (new fact − old fact) to every rollup cell
 * the case belongs to. One short transaction per batch, under an advisory lock so one instance
 * folds at a time; marks a writer still holds are skipped (SKIP LOCKED) and folded next time.
 */
import type { Database } from '../../../platform/db.js';
import type { AppDeps } from '../../types.js';
import type { Calendar } from '../sla/index.js';
import { slaCalendar } from '../scheduler/deadlines.js';
import { addFactToCells, caseSummaryOf, factOf, isZeroCell, type Cell, type Fact } from './facts.js';
import * as repo from './kpi.repository.js';

export interface FoldOptions {
  /** Cases per transaction. */
  batch?: number;
  /** Stop after this many batches (the background job comes back a few seconds later). */
  maxBatches?: number;
  calendar?: Calendar;
}

export interface FoldResult {
  cases: number;
  batches: number;
  /** False when another instance held the fold lock. */
  locked: boolean;
}

/** Folds pending cases as of `now`. */
export async function foldKpiRollups(db: Database, now: Date, opts: FoldOptions = {}): Promise<FoldResult> {
  const batch = opts.batch ?? 500;
  const maxBatches = opts.maxBatches ?? 1_000;
  const cal = opts.calendar ?? slaCalendar();
  const out: FoldResult = { cases: 0, batches: 0, locked: true };
  for (let i = 0; i < maxBatches; i++) {
    const n = await db.tx(async (tx) => {
      if (!(await repo.tryFoldLock(tx))) return -1;
      const keys = await repo.claimDirty(tx, batch);
      if (keys.length === 0) return 0;
      const ids = keys.map((k) => k.case_id);
      const [cases, aggs, old] = [await repo.loadFactCases(tx, ids), await repo.loadEventAggs(tx, ids), await repo.loadFacts(tx, ids)];
      const cells = new Map<string, Cell>();
      const facts: Fact[] = [];
      for (const k of cases) {
        const prev = old.get(k.id);
        const s = caseSummaryOf(k, aggs.get(k.id), cal, prev?.handled_deadline ? new Date(prev.handled_deadline) : null);
        const f = factOf(k, s, now);
        if (prev) addFactToCells(cells, prev, -1);
        addFactToCells(cells, f, 1);
        facts.push(f);
      }
      await repo.upsertFacts(tx, facts);
      await repo.applyCells(tx, [...cells.values()].filter((c) => !isZeroCell(c)));
      await repo.noteFold(tx, now, facts.length);
      return keys.length;
    });
    if (n === -1) {
      out.locked = false;
      break;
    }
    if (n === 0) break;
    out.cases += n;
    out.batches++;
    if (n < batch) break;
  }
  return out;
}

/** Rebuild every rollup row from the facts (repair; the same sums the fold maintains). */
export async function rebuildKpiRollups(db: Database): Promise<number> {
  return db.tx((tx) => repo.rebuildRollups(tx));
}

/** Every case refolded from scratch (e.g. after a change of definitions): marks all, then folds. */
export async function refoldAllCases(db: Database, now: Date, calendar?: Calendar): Promise<FoldResult> {
  await db.query('INSERT INTO kpi_dirty_case (city_code, case_id) SELECT city_code, id FROM case_file ON CONFLICT DO NOTHING');
  return foldKpiRollups(db, now, calendar ? { calendar } : {});
}

export const KPI_FOLD_INTERVAL_MS = 5_000;

/**
 * The fold inside a running server (manifest.background): every few seconds, until the queue is
 * empty. Figures are at most KPI_FOLD_INTERVAL_MS plus one fold behind the timeline (a few seconds).
 */
export function kpiRollupBackground(deps: AppDeps, log: (msg: string, err?: unknown) => void): () => Promise<void> {
  let stopped = false;
  let busy = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped || busy) return;
    busy = true;
    running = (async () => {
      try {
        await foldKpiRollups(deps.db, deps.now());
      } catch (e) {
        log('KPI fold failed; will retry', e);
      } finally {
        busy = false;
      }
    })();
  };
  const timer = setInterval(tick, KPI_FOLD_INTERVAL_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
