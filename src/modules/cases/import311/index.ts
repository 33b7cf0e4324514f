// The historical-import library's public surface (used by the cases module's CLI and service).
export {
  DATA_QUALITY_FLAGS,
  emptyReport,
  importHistoricalCsv,
  normaliseRow,
  parseHistoricalCsv,
  parseSourceTime,
  percentileCont,
  ZERO_DURATION_MAX_MS,
  type CsvInput,
  type DataQualityFlag,
  type HistoricalCase,
  type ImportOptions,
  type ImportReport,
  type ParseOptions,
  type ParsedTime,
  type RowOutcome,
  type RowRejection,
  type RuleName,
} from './import311.js';
export {
  DEFAULT_CHANNEL_MAP,
  DEFAULT_MAPPING,
  DEFAULT_STATUS_MAP,
  MAPPABLE_FIELDS,
  parseMappingSpec,
  REQUIRED_FIELDS,
  resolveMapping,
  UNKNOWN_CHANNEL,
  type ColumnMapping,
  type ImportedState,
  type MappableField,
} from './mapping.js';
export { toCaseSummary } from './summary.js';
export {
  createHistoricalStore,
  DEFAULT_BATCH_SIZE,
  DEFAULT_IMPORT_CATEGORY,
  importCasesFromCsv,
  parseCategoryMapSpec,
  pgArray,
  type CaseImportOptions,
  type CaseImportResult,
  type HistoricalStore,
  type StoreOptions,
  type StoreStats,
} from './store.js';
export { registerCaseImportCommands, runCaseImportCli, type CaseImportCliOptions } from './cli.js';
