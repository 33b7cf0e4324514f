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
import { registerCaseImportCommands } from './import311/index.js';
import { KPI_AUDIT_VERBS, kpiRoutes, kpiRollupBackground } from './kpi/index.js';
import { SLA_AUDIT_VERBS, slaBackground, slaOnReady } from './scheduler/index.js';

export { PUBLIC_ID_PREFIX, intake, runAction, runActionInTx, visibleCase, withIdempotency, validateAttributes, type IntakeInput, type IntakeResult } from './cases.service.js';
export { seedTaxonomy, seedRoutingRules, TAXONOMY } from './cases.seed.js';
export { STATES, OPEN_STATES, FINAL_STATES, ACTIONS, TRANSITIONS, stepsFrom, type CaseState, type CaseAction } from './cases.states.js';
export { computeDeadline, workingMsBetween, shiftDeadline } from './cases.deadlines.js';
export { maskPhone, presentCase, presentPublicCase, presentPublicEvent, redactText } from './cases.presenter.js';
export { getCategory, listCategories, loadCase, loadCaseByPublicId, listEvents, insertEvent, visibleSql } from './cases.repository.js';
export type { CaseRow, CaseView, CategoryRow, CaseEventRow, AttachmentRow, AttributeDef, Deadlines, Channel } from './cases.types.js';
export { CHANNELS } from './cases.types.js';

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
  ],
  async routes(app, deps) {
    await caseRoutes(app, deps);
    await categoryRoutes(app, deps);
    await kpiRoutes(app, deps);
  },
  onReady: slaOnReady,
  background(deps, log) {
    const stops = [slaBackground(deps, log), kpiRollupBackground(deps, log)];
    return async () => {
      for (const stop of stops) await stop();
    };
  },
  cli: (program, helpers) => registerCaseImportCommands(program, helpers),
  async seedDemo(db, _ctx, log) {
    const added = await db.tx((tx) => seedTaxonomy(tx));
    const rules = await db.tx((tx) => seedRoutingRules(tx));
    log(`cases: ${added} categories, ${rules} routing rules`);
  },
};
