/**
 * The one error type of the composite-indicator engine.
 *
 * `code` is a stable snake_case id (part of the public contract: the CLI, the API and the
 * tests match on it, never on the message). `message` names the indicator, unit or option at
 * fault so that a person can act on it; `details` carries the same facts as data.
 */
export type IndexErrorCode =
  | 'framework_invalid'
  | 'framework_cycle'
  | 'framework_unknown_parent'
  | 'framework_duplicate_code'
  | 'weight_invalid'
  | 'direction_invalid'
  | 'indicator_no_data'
  | 'indicator_missing_column'
  | 'data_invalid'
  | 'denominator_missing'
  | 'denominator_invalid'
  | 'group_missing'
  | 'geometric_nonpositive'
  | 'harmonic_nonpositive'
  | 'log_nonpositive'
  | 'normalise_invalid'
  | 'reference_unknown'
  | 'ahp_not_reciprocal'
  | 'ahp_invalid'
  | 'weights_invalid'
  | 'benchmark_invalid'
  | 'analysis_invalid'
  | 'option_invalid'
  | 'file_invalid';

export class IndexEngineError extends Error {
  readonly code: IndexErrorCode;
  readonly details: Record<string, unknown>;
  /** Every engine error is bad input, never a crash: a CLI maps it to exit code 2. */
  readonly exitCode = 2;

  constructor(code: IndexErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'IndexEngineError';
    this.code = code;
    this.details = details;
  }
}

export function isIndexEngineError(e: unknown): e is IndexEngineError {
  return e instanceof IndexEngineError;
}
