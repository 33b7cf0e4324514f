/**
 * governance-index: the module's public surface. Other modules import only from here.
 */
export * from './engine/errors.js';
export * from './engine/stats.js';
export * from './engine/framework.js';
export * from './engine/denominate.js';
export * from './engine/impute.js';
export * from './engine/treat.js';
export * from './engine/normalise.js';
export * from './engine/weights.js';
export * from './engine/aggregate.js';
export * from './engine/pipeline.js';
export * from './engine/analysis.js';
export * from './engine/coinr.js';
export { runIndexCli, parseIndexCliOptions, parseAhpMatrixCsv, stageTable, CLI_STAGES } from './cli-run.js';
export type { IndexCliOptions, IndexCliSummary, ParsedCliOptions, CliStage } from './cli-run.js';
export { registerIndexCommands } from './cli.js';

// Fed by the platform: providers, frameworks as data, imports, snapshots, reports.
export { PROVIDERS, PLANNED_INDICATORS, IMPORTED_INDICATORS, indicatorCatalogue, providerOf } from './providers/index.js';
export type { CatalogueEntry } from './providers/index.js';
export { INDEX_LEVELS } from './providers/types.js';
export type { IndicatorDef, IndicatorProvider, IndexLevel, ProviderRequest, ProviderValues, UnitRef } from './providers/types.js';
export { DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK_CODE } from './default-framework.js';
export { createFramework, validateTree, FrameworkTreeSchema } from './framework.service.js';
export type { FrameworkTree, NewFramework } from './framework.service.js';
export { computeSnapshot, evaluate, pruneTree, ComputeOptionsSchema, DEFAULT_COMPUTE } from './compute.service.js';
export type { ComputeOptions, ComputeRequest, Evaluation, EvaluationInput, SnapshotSummary } from './compute.service.js';
export { importIndicators, parseIndicatorFile } from './import.service.js';
export type { ImportResult } from './import.service.js';
export { parsePeriod, periodOf, comparePeriods, isPeriod } from './periods.js';
export type { Period, PeriodGrain } from './periods.js';
export { seedGovernanceIndexDemo, ensureDefaultFramework } from './demo.js';

import type { ModuleManifest } from '../types.js';
import { registerComputeCommands } from './cli-compute.js';
import { registerIndexCommands as registerCommands } from './cli.js';
import { seedGovernanceIndexDemo } from './demo.js';
import { governanceIndexRoutes } from './governance-index.routes.js';

export const manifest: ModuleManifest = {
  name: 'governance-index',
  auditVerbs: ['index.framework.create', 'index.indicators.import', 'index.snapshot.create'],
  routes: (app, deps) => governanceIndexRoutes(app, deps),
  cli: (program, helpers) => registerComputeCommands(registerCommands(program), helpers),
  seedDemo: (db, ctx, log) => seedGovernanceIndexDemo(db, ctx, log),
};
