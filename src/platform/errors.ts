/**
 * The one error catalogue. Every error that leaves the server has a stable snake_case code from
 * this table, an HTTP status and a message a person can act on. Bodies are always
 * `{ "error": { "code", "message", "details" } }`; 5xx bodies never carry internals.
 *
 * Modules add their codes in their own section below (keep sections sorted by module name).
 */
export const ERRORS = {
  // platform
  validation_failed: { status: 400, message: 'The request is not valid.' },
  bad_request: { status: 400, message: 'The request could not be understood.' },
  unauthenticated: { status: 401, message: 'Log in first.' },
  forbidden: { status: 403, message: 'You may not do this.' },
  csrf_invalid: { status: 403, message: 'The CSRF token is missing or wrong; reload the page and try again.' },
  not_found: { status: 404, message: 'Not found.' },
  route_not_found: { status: 404, message: 'There is no such endpoint.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  invalid_state: { status: 409, message: 'This step is not possible in the current state.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  uri_too_long: { status: 414, message: 'The address (a path parameter) is too long.' },
  unsupported_media_type: { status: 415, message: 'This content type is not accepted here.' },
  rate_limited: { status: 429, message: 'Too many requests; wait a moment and try again.' },
  internal: { status: 500, message: 'Something went wrong on our side. The request id identifies it in the logs.' },
  database_unavailable: { status: 503, message: 'The database is unavailable; try again shortly.' },
  not_ready: { status: 503, message: 'The server is not ready yet.' },
  data_dir_locked: { status: 500, message: 'The data folder is in use by another process.' },
  config_invalid: { status: 500, message: 'The configuration is not valid.' },
  migration_failed: { status: 500, message: 'A database migration failed.' },

  // audit
  audit_chain_broken: { status: 500, message: 'The audit chain is broken.' },

  // cases
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was already used for a different request.' },
  category_not_found: { status: 404, message: 'No such case category.' },
  category_code_taken: { status: 409, message: 'A category with this code already exists.' },
  extension_too_late: { status: 409, message: 'An extension must be asked for before the deadline.' },
  file_store_unavailable: { status: 503, message: 'The file store is unavailable; try the upload again shortly.' },

  // governance-index
  index_framework_invalid: { status: 400, message: 'The index framework is not valid.' },
  index_framework_not_found: { status: 404, message: 'No such index framework.' },
  index_compute_invalid: { status: 400, message: 'The index cannot be computed from this data with these options.' },
  index_import_invalid: { status: 400, message: 'The indicator file is not valid; nothing was imported.' },
  index_snapshot_not_found: { status: 404, message: 'No such index snapshot.' },
  report_unavailable: { status: 503, message: 'The PDF report cannot be produced on this server: no Chromium browser is installed. The Excel report is available.' },

  // identity
  invalid_credentials: { status: 401, message: 'Wrong phone number or password.' },
  account_locked: { status: 423, message: 'Too many failed logins; the account is locked for a while.' },
  session_expired: { status: 401, message: 'Your session has expired; log in again.' },
  invalid_api_key: { status: 401, message: 'The API key is missing, wrong or revoked.' },
  phone_taken: { status: 409, message: 'A user with this phone number already exists.' },
  invalid_id_card: { status: 400, message: 'The ID-card number is not valid.' },
  weak_password: { status: 400, message: 'The password is too weak.' },
  department_not_found: { status: 404, message: 'No such department.' },
  department_code_taken: { status: 409, message: 'A department with this code already exists.' },

  // regions
  region_not_found: { status: 404, message: 'No such region.' },
  region_code_taken: { status: 409, message: 'A region with this code already exists.' },
  location_outside_regions: { status: 404, message: 'No region with a boundary covers this point.' },
  import_invalid: { status: 400, message: 'The import file is not valid.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** An expected failure with a catalogue code. Throw it (or return it from a command). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message?: string, details?: unknown, headers?: Record<string, string>) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
    this.headers = headers;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export const appError = (code: ErrorCode, message?: string, details?: unknown): AppError =>
  new AppError(code, message, details);

/** A validation failure that names the field and the problem. */
export function invalid(field: string, problem: string, extra?: Record<string, unknown>): AppError {
  return new AppError('validation_failed', `${field}: ${problem}`, [{ field, problem, ...extra }]);
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * Connection-level failures: the socket (ECONN*, EPIPE, EHOSTUNREACH…), the server shutting down or
 * starting (57P01–57P03), connection exceptions (class 08), too many connections (53300).
 */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08007', '08P01',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED|Query read timeout|Client was closed and is not queryable|Cannot use a pool after calling end/i;

/** True when an error means the database could not be reached (so the answer is 503, not 500). */
export function isDatabaseUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof err.code === 'string' && CONNECTION_ERRORS.has(err.code)) return true;
  const msg = typeof err.message === 'string' ? err.message : '';
  if (CONNECTION_MESSAGES.test(msg)) return true;
  // Node wraps a refused dual-stack connect in an AggregateError; libraries wrap with `cause`.
  if (Array.isArray(err.errors) && err.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return err.cause !== undefined && isDatabaseUnavailable(err.cause, depth + 1);
}

/**
 * PostgreSQL data exceptions that a client's value causes (a number out of range for its column,
 * text that is not a valid integer or date, a NUL byte or bad UTF-8 in text): the request is at
 * fault, so 400, not 500. SQLSTATE codes; the route's schema should have caught it first.
 */
const INPUT_DATA_ERRORS: Record<string, string> = {
  '22003': 'a number is out of range',
  '22P02': 'a value is not valid for its type',
  '22001': 'a text value is too long',
  '22007': 'a date or time is not valid',
  '22008': 'a date or time is out of range',
  '22021': 'a text contains a byte sequence that is not valid UTF-8 (or a NUL character)',
  '22P05': 'a text contains a character that cannot be stored',
  '2202E': 'an array index is out of range',
};

/** The problem of a client-caused PostgreSQL data exception, or undefined for anything else. */
export function inputDataProblem(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? INPUT_DATA_ERRORS[code] : undefined;
}
