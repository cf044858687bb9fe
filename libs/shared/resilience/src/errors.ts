/**
 * The error catalogue of `@mcpgw/resilience`. Every error this lib raises extends
 * {@link ResilienceError}: a stable string `code` (`RES_ERR_*`) for programs, a low-cardinality
 * `reason` safe to use as a metric label, and `retryable` for {@link retry}'s default policy.
 * Third-party errors (opossum's) are mapped into these where they enter the lib.
 */

/** All error codes raised by this lib. */
export const RESILIENCE_ERROR_CODES = {
  BREAKER_OPEN: 'RES_ERR_BREAKER_OPEN',
  TIMEOUT: 'RES_ERR_TIMEOUT',
  RETRIES_EXHAUSTED: 'RES_ERR_RETRIES_EXHAUSTED',
  BULKHEAD_FULL: 'RES_ERR_BULKHEAD_FULL',
  BULKHEAD_TIMEOUT: 'RES_ERR_BULKHEAD_TIMEOUT',
} as const;

/** Union of the `code` values of this lib's errors. */
export type ResilienceErrorCode =
  (typeof RESILIENCE_ERROR_CODES)[keyof typeof RESILIENCE_ERROR_CODES];

/** Base class of every error raised by this lib. */
export abstract class ResilienceError extends Error {
  abstract readonly code: ResilienceErrorCode;
  /** Low-cardinality label value (e.g. `breaker_open`, `deadline_exceeded`). */
  readonly reason: string;
  /** Whether retrying the same operation immediately can help; read by {@link isRetryable}. */
  abstract readonly retryable: boolean;

  protected constructor(message: string, reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A circuit breaker refused the call without running it (open, or shut down). */
export class BreakerOpenError extends ResilienceError {
  override readonly name = 'BreakerOpenError';
  readonly code = RESILIENCE_ERROR_CODES.BREAKER_OPEN;
  // Retrying into an open breaker only burns the caller's budget until resetTimeout.
  readonly retryable = false;

  constructor(
    readonly breaker: string,
    reason: 'breaker_open' | 'breaker_shutdown' = 'breaker_open',
  ) {
    super(
      reason === 'breaker_open'
        ? `circuit breaker "${breaker}" is open`
        : `circuit breaker "${breaker}" is shut down`,
      reason,
    );
  }
}

/** An operation did not settle within its time budget. */
export class TimeoutError extends ResilienceError {
  override readonly name = 'TimeoutError';
  readonly code = RESILIENCE_ERROR_CODES.TIMEOUT;
  readonly retryable = true;

  constructor(
    readonly timeoutMs: number,
    message = `operation timed out after ${timeoutMs} ms`,
  ) {
    super(message, 'timeout');
  }
}

/** {@link retry} gave up: attempts exhausted or the deadline left no room for another try. */
export class RetriesExhaustedError extends ResilienceError {
  override readonly name = 'RetriesExhaustedError';
  readonly code = RESILIENCE_ERROR_CODES.RETRIES_EXHAUSTED;
  // An outer retry around an inner one would multiply attempts.
  readonly retryable = false;

  constructor(
    /** Number of times `fn` was called. */
    readonly attempts: number,
    /** The error of the last attempt. */
    override readonly cause: unknown,
    reason: 'retries_exhausted' | 'deadline_exceeded' = 'retries_exhausted',
  ) {
    super(
      reason === 'retries_exhausted'
        ? `gave up after ${attempts} attempt(s)`
        : `deadline reached after ${attempts} attempt(s)`,
      reason,
      { cause },
    );
  }
}

/** A bulkhead (or a breaker's `capacity`) had no free slot and no room to queue. */
export class BulkheadFullError extends ResilienceError {
  override readonly name = 'BulkheadFullError';
  readonly code = RESILIENCE_ERROR_CODES.BULKHEAD_FULL;
  // Load shedding: an immediate retry adds to the overload it reports.
  readonly retryable = false;

  constructor(
    readonly bulkhead: string,
    reason: 'bulkhead_full' | 'breaker_capacity' = 'bulkhead_full',
  ) {
    super(`bulkhead "${bulkhead}" is full`, reason);
  }
}

/** A call waited in a bulkhead's queue longer than `queueTimeoutMs`. */
export class BulkheadTimeoutError extends ResilienceError {
  override readonly name = 'BulkheadTimeoutError';
  readonly code = RESILIENCE_ERROR_CODES.BULKHEAD_TIMEOUT;
  readonly retryable = false;

  constructor(
    readonly bulkhead: string,
    readonly queueTimeoutMs: number,
  ) {
    super(
      `waited more than ${queueTimeoutMs} ms for a slot in bulkhead "${bulkhead}"`,
      'bulkhead_timeout',
    );
  }
}

/** True for any error raised by this lib. */
export function isResilienceError(err: unknown): err is ResilienceError {
  return err instanceof ResilienceError;
}

/** True for {@link BreakerOpenError}. */
export function isBreakerOpenError(err: unknown): err is BreakerOpenError {
  return err instanceof BreakerOpenError;
}

/** True for {@link TimeoutError}. */
export function isTimeoutError(err: unknown): err is TimeoutError {
  return err instanceof TimeoutError;
}

/** True for {@link RetriesExhaustedError}. */
export function isRetriesExhaustedError(err: unknown): err is RetriesExhaustedError {
  return err instanceof RetriesExhaustedError;
}

/** True for {@link BulkheadFullError}. */
export function isBulkheadFullError(err: unknown): err is BulkheadFullError {
  return err instanceof BulkheadFullError;
}

/** True for {@link BulkheadTimeoutError}. */
export function isBulkheadTimeoutError(err: unknown): err is BulkheadTimeoutError {
  return err instanceof BulkheadTimeoutError;
}

/**
 * The default retry policy's view of an error: anything is retryable unless it carries
 * `retryable: false` (this lib's load-shedding errors do; other libs may set it on theirs,
 * e.g. for a 4xx response).
 */
export function isRetryable(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && 'retryable' in err) return err.retryable !== false;
  return true;
}
