/**
 * The cases module's public surface: the only file other modules import. The closed loop for
 * reported problems: intake from every channel, triage, dispatch, handling, verification, closure,
 * callback; the taxonomy and routing rules.
 */
import type { ModuleManifest } from '../types.js';
import { categoryRoutes } from './categories.routes.js';
import { caseRoutes } from './cases.routes.js';
import { seedRoutingRules, seedTaxonomy } from './cases.seed.js';
import { ACTIONS } from './cases.states.js';
import { seedDemoCases } from './demo/index.js';
import { registerCaseImportCommands } from './import311/index.js';
import { KPI_AUDIT_VERBS, kpiRoutes, kpiRollupBackground } from './kpi/index.js';
import { bulkRoutes } from './bulk.routes.js';
import { publicMapRoutes } from './public-map.routes.js';
import { CALENDAR_AUDIT_VERBS, calendarRoutes } from './sla/calendar.routes.js';
import { SLA_AUDIT_VERBS, slaBackground, slaOnReady } from './scheduler/index.js';

export { PUBLIC_ID_PREFIX, intake, runAction, runActionInTx, visibleCase, withIdempotency, validateAttributes, type IntakeInput, type IntakeResult } from './cases.service.js';
export { seedTaxonomy, seedRoutingRules, TAXONOMY } from './cases.seed.js';
export { STATES, OPEN_STATES, FINAL_STATES, ACTIONS, TRANSITIONS, stepsFrom, type CaseState, type CaseAction } from './cases.states.js';
export { computeDeadline, workingMsBetween, shiftDeadline } from './cases.deadlines.js';
export { maskPhone, presentCase, presentPublicCase, presentPublicEvent, redactText } from './cases.presenter.js';
export { getCategory, listCategories, loadCase, loadCaseByPublicId, listEvents, insertEvent, visibleSql } from './cases.repository.js';
export type { CaseRow, CaseView, CategoryRow, CaseEventRow, AttachmentRow, AttributeDef, Deadlines, Channel } from './cases.types.js';
export { CHANNELS } from './cases.types.js';
export { seedDemoCases, DEFAULT_DEMO_CASES, type SeedDemoCasesOptions, type SeedDemoCasesResult } from './demo/index.js';
export { caseKpisByRegion, foldKpiRollups, refoldAllCases, type CaseKpisQuery, type RegionCaseKpis } from './kpi/index.js';
// For the benchmark: synthetic volume, the dashboard query and its naive equivalent, the importer.
export { generateSyntheticCases, kpiDashboardFast, kpiDashboardNaive } from './kpi/index.js';
export { importCasesFromCsv } from './import311/index.js';

export const manifest: ModuleManifest = {
  name: 'cases',
  auditVerbs: [
    'case.report',
    'case.attach',
    ...ACTIONS.map((a) => `case.${a}`),
    'case_category.create',
    'case_category.update',
    'routing_rule.create',
    'routing_rule.update',
    'routing_rule.delete',
    'case.import',
    ...SLA_AUDIT_VERBS,
    ...KPI_AUDIT_VERBS,
    ...CALENDAR_AUDIT_VERBS,
  ],
  async routes(app, deps) {
    await caseRoutes(app, deps);
    await categoryRoutes(app, deps);
    await kpiRoutes(app, deps);
    await calendarRoutes(app, deps); await bulkRoutes(app, deps); await publicMapRoutes(app, deps);
  },
  onReady: slaOnReady,
  background(deps, log) {
    const stops = [slaBackground(deps, log), kpiRollupBackground(deps, log)];
    return async () => {
      for (const stop of stops) await stop();
    };
  },
  cli: (program, helpers) => registerCaseImportCommands(program, helpers),
  async seedDemo(db, ctx, log) {
    const added = await db.tx((tx) => seedTaxonomy(tx));
    const rules = await db.tx((tx) => seedRoutingRules(tx));
    log(`cases: ${added} categories, ${rules} routing rules`);
    // GONGZHI_DEMO_CASES: how many demo cases (0: none), e.g. for a faster e2e start or a bigger demo.
    const env = process.env.GONGZHI_DEMO_CASES;
    if (env !== undefined && env !== '' && !/^\d{1,6}$/.test(env)) throw new Error(`GONGZHI_DEMO_CASES: must be a whole number of cases (0 for none), got "${env}"`);
    const count = env !== undefined && env !== '' ? Number(env) : undefined;
    const history = count === 0 ? null : await seedDemoCases(db, { now: ctx.now, log, ...(count !== undefined ? { count } : {}) });
    if (!history) return;
    if (history.skipped) log(`cases: demo history not seeded (${history.skipped})`);
    else log(`cases: ${history.cases} demo cases over 90 days (${Object.entries(history.states).map(([s, n]) => `${s} ${n}`).join(', ')}) in ${(history.ms / 1000).toFixed(1)} s`);
  },
};
