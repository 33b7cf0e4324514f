/**
 * KPIs of the cases module: the incremental rollups, the queries behind the command-centre
 * screens, exports, rankings and supervision tickets. The cases manifest wires `kpiRoutes`
 * (routes) and `kpiRollupBackground` (background).
 */
export { kpiRoutes } from './kpi.routes.js';
export { foldKpiRollups, rebuildKpiRollups, refoldAllCases, kpiRollupBackground, KPI_FOLD_INTERVAL_MS, type FoldOptions, type FoldResult } from './fold.js';
export {
  kpiSummary,
  kpiTable,
  kpiRankings,
  listSupervisionTickets,
  closeSupervisionTicket,
  parseWindow,
  EXACT_PERCENTILE_LIMIT,
  RANK_METRICS,
  type KpiFigures,
  type KpiRow,
  type KpiBy,
  type Ratio as KpiRatio,
} from './kpi.service.js';
export { caseKpisByRegion, type CaseKpisQuery, type RegionCaseKpis } from './by-region.js';
export { caseSummaryOf, factOf, ROLLUP_MAX_DEPTH, DIM_MAX_DEPTH, type Fact } from './facts.js';
export { HIST_EDGES_H, histPercentile, bucketOf, bucketWidthMs } from './buckets.js';
export { KPI_ROLES, TICKET_VIEW_ROLES, TICKET_CLOSE_ROLES } from './kpi.policy.js';
export { generateSyntheticCases, generateSyntheticRegions, kpiDashboardNaive, kpiDashboardFast, type SyntheticOptions } from './synthetic.js';

/** Audit verbs of the KPI side (for the cases manifest's auditVerbs). */
export const KPI_AUDIT_VERBS = ['supervision_ticket.close'] as const;
