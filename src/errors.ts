// The one error type of jobctl. Every failure that reaches the user is a JobError with a
// stable code; output.ts maps it to the JSON envelope and the exit code.

export type ErrorCode =
  | 'usage_error'
  | 'job_not_found'
  | 'ambiguous_job_id'
  | 'invalid_state'
  | 'invalid_tag'
  | 'invalid_duration'
  | 'invalid_signal'
  | 'invalid_pattern'
  | 'config_error'
  | 'executor_not_found'
  | 'executor_unavailable'
  | 'queue_not_found'
  | 'launch_failed'
  | 'io_error'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error';

/** Codes that describe a malformed invocation rather than a runtime failure: exit 2. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'usage_error',
  'invalid_duration',
  'invalid_tag',
  'invalid_signal',
  'invalid_pattern',
  // HTTP requests only (jobctl serve): no CLI call ends with them.
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
]);

export class JobError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, retryable = false) {
    super(message);
    this.name = 'JobctlError';
    this.code = code;
    this.details = details;
    this.retryable = retryable;
  }

  get exitCode(): 1 | 2 {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

export const usageError = (message: string, details?: Record<string, unknown>): JobError =>
  new JobError('usage_error', message, details);

/** Wraps anything thrown into a JobError without leaking a stack trace into the message. */
export function toJobError(err: unknown): JobError {
  if (err instanceof JobError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    const retryable = e.code === 'EAGAIN' || e.code === 'EBUSY' || e.code === 'ELOCKED';
    return new JobError('io_error', e.message, { errno: e.code, path: e.path }, retryable);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new JobError('internal_error', message);
}
