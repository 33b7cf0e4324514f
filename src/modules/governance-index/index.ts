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

import type { ModuleManifest } from '../types.js';
import { registerIndexCommands as registerCommands } from './cli.js';

export const manifest: ModuleManifest = {
  name: 'governance-index',
  cli: (program) => registerCommands(program),
};
