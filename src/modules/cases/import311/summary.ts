import type { CaseSummary } from '../sla/kpi.js';
import type { HistoricalCase } from './import311.js';

/**
 * A historical record as the KPIs see it. A 311 record has one intake time and one end time: the
 * source took it in (reported = accepted) and the close time is both 处置反馈 and 结案. Its
 * handling time is elapsed only: a foreign city's records have no working-day calendar here.
 */
export function toCaseSummary(r: HistoricalCase, id = `${r.dataset ?? 'import'}:${r.sourceId}`): CaseSummary {
  // A closed record without a close time still counts as closed; the missing_close_time flag keeps
  // its (unknown) duration out of handling-time figures.
  const end = r.endedAt ?? r.reportedAt;
  return {
    id,
    reportedAt: r.reportedAt,
    channel: r.channel,
    categoryCode: r.subcategory ? `${r.category ?? ''}/${r.subcategory}` : r.category,
    majorCategoryCode: r.category,
    departmentId: r.agency,
    acceptedAt: r.reportedAt,
    handledAt: r.state === 'closed' ? end : null,
    closedAt: r.state === 'closed' ? end : null,
    cancelledAt: r.state === 'cancelled' ? end : null,
    referredAt: r.state === 'referred' ? end : null,
    handlingElapsedMs: r.state === 'closed' && r.endedAt ? r.endedAt.getTime() - r.reportedAt.getTime() : null,
    handlingWorkingMs: null,
    dataQuality: r.flags,
  };
}
