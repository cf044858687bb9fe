/**
 * The error catalogue of `@mcpgw/state`. Every error the store raises extends
 * {@link StateStoreError}: a stable `code` for programs (services map `STORE_UNAVAILABLE` to 503)
 * and a low-cardinality `reason` usable as a metric label. Both implementations raise the same
 * errors for the same situations; ioredis errors are mapped where they enter (`redis-errors.ts`).
 */

/** All error codes raised by this lib. */
export const STATE_STORE_ERROR_CODES = {
  UNAVAILABLE: 'STORE_UNAVAILABLE',
  ERROR: 'STORE_ERROR',
  WAIT_TIMEOUT: 'STORE_WAIT_TIMEOUT',
} as const;

/** Union of the `code` values of this lib's errors. */
export type StateStoreErrorCode =
  (typeof STATE_STORE_ERROR_CODES)[keyof typeof STATE_STORE_ERROR_CODES];

/** Base class of every error raised by a {@link StateStore}. */
export abstract class StateStoreError extends Error {
  abstract readonly code: StateStoreErrorCode;

  protected constructor(
    message: string,
    /** Low-cardinality label value, e.g. `timeout`, `disconnected`, `wrong_type`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why the store could not be reached. */
export type StoreUnavailableReason =
  'timeout' | 'disconnected' | 'closed' | 'server_busy' | 'auth_failed' | 'blocking_pool_exhausted';

/**
 * The store could not serve the command: connection refused or lost, command timeout, server
 * loading/busy/read-only, every blocking-read connection busy for longer than the command
 * timeout, or the store was closed. Transient: the same call may succeed once the
 * store is back. The message never contains connection details; the original error is `cause`.
 */
export class StoreUnavailableError extends StateStoreError {
  override readonly name = 'StoreUnavailableError';
  readonly code = STATE_STORE_ERROR_CODES.UNAVAILABLE;

  constructor(reason: StoreUnavailableReason, options?: { cause?: unknown }) {
    super(`state store unavailable (${reason})`, reason, options);
  }
}

/** Why a command was refused although the store is reachable. */
export type StoreErrorReason =
  'wrong_type' | 'not_integer' | 'no_group' | 'invalid_argument' | 'command_error';

/**
 * The store refused a command for a reason retrying will not fix (a programming error): wrong
 * type of value at the key, a non-integer counter, a missing consumer group, an invalid argument.
 */
export class StoreError extends StateStoreError {
  override readonly name = 'StoreError';
  readonly code = STATE_STORE_ERROR_CODES.ERROR;

  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, reason, options);
  }
}

/** `singleFlight` gave up waiting for another process's result within `waitTimeoutMs`. */
export class StoreWaitTimeoutError extends StateStoreError {
  override readonly name = 'StoreWaitTimeoutError';
  readonly code = STATE_STORE_ERROR_CODES.WAIT_TIMEOUT;

  constructor(
    readonly key: string,
    readonly waitTimeoutMs: number,
  ) {
    super(`single-flight wait for "${key}" exceeded ${waitTimeoutMs} ms`, 'wait_timeout');
  }
}

/** Shorthand for the `invalid_argument` {@link StoreError}. */
export function invalidArgument(message: string): StoreError {
  return new StoreError('invalid_argument', message);
}
