/**
 * The KPI rates from summed rollup/fact counters, written once: the dashboards (kpi.service.ts)
 * and the per-region figures the governance index reads (by-region.ts) must never drift apart.
 * Definitions: docs/kpi-definitions.md.
 */
import type { Ratio } from '../sla/kpi.js';
import type { Sums } from './kpi.repository.js';

export const ratio = (numerator: number, denominator: number): Ratio => ({ numerator, denominator, rate: denominator === 0 ? null : numerator / denominator });

export type Counter = (k: keyof Sums['c']) => number;

/** Callbacks answered: satisfied, basically satisfied and dissatisfied. */
export const answeredCallbacks = (g: Counter): number => g('cb_satisfied') + g('cb_basic') + g('cb_dissatisfied');

/** The rates every KPI answer carries, as ratesFromCounters computes them. */
export type CounterRates = ReturnType<typeof ratesFromCounters>;

export function ratesFromCounters(g: Counter) {
  return {
    intake: g('intake'),
    acceptance: ratio(g('accepted'), g('decided')),
    disposal: ratio(g('disposed'), g('due')),
    onTimeDisposal: ratio(g('on_time_num'), g('on_time_den')),
    closure: ratio(g('closed'), g('due')),
    rework: ratio(g('reworked'), g('disposed')),
    reopen: ratio(g('reopened'), g('ever_closed')),
    satisfaction: ratio(g('cb_satisfied') + g('cb_basic'), answeredCallbacks(g)),
  };
}
