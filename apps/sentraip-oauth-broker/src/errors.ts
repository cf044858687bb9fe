/**
 * The broker's error catalogue (`BRK_ERR_*`, see `ERROR_CODES` in `@mcpgw/tool-schemas`). Each
 * error has a stable `code`, a low-cardinality `reason` (metric label, degraded-reason header)
 * and `retryable` for `retry`'s default policy. Messages never carry credentials or tokens: the
 * HTTP client's own errors (which hold request headers) are never attached as `cause`.
 */

/** Why a SentraIP call failed. */
export type SentraipFailure =
  | 'timeout'
  | 'network'
  | 'server_error'
  | 'rate_limited'
  | 'unauthorized'
  | 'client_error'
  | 'invalid_response';

const RETRYABLE: ReadonlySet<SentraipFailure> = new Set([
  'timeout',
  'network',
  'server_error',
  'rate_limited',
]);

/** A SentraIP request failed: unreachable, timed out, or answered with an error or a bad body. */
export class SentraipError extends Error {
  override readonly name = 'SentraipError';
  readonly code = 'BRK_ERR_SENTRAIP_UNAVAILABLE';
  /** 5xx, timeouts, network errors and 429 are worth retrying; other 4xx never are. */
  readonly retryable: boolean;

  constructor(
    readonly reason: SentraipFailure,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.retryable = RETRYABLE.has(reason);
  }

  get status(): number | undefined {
    return this.details.status;
  }

  /** The server-mandated wait of a 429 (`Retry-After`), if any. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
}

/** Why no access token could be obtained. */
export type TokenFailure =
  | 'not_configured'
  | 'invalid_client'
  | 'rejected'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'invalid_response'
  | 'coordination_timeout';

/**
 * No usable access token: the token endpoint failed (after bounded retries), refused the client,
 * or failed recently enough that the broker is backing off instead of asking again.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code = 'BRK_ERR_TOKEN_REFRESH_FAILED';
  // Token failures are retried inside the token client; an outer retry would multiply requests.
  readonly retryable = false;

  constructor(
    readonly reason: TokenFailure,
    message: string,
    /** True when this answer came from the back-off window, without a new token request. */
    readonly fromBackoff = false,
  ) {
    super(message);
  }
}

/** A lookup target (or the type, or a batch item) is not acceptable; answered with 400. */
export class InvalidTargetError extends Error {
  override readonly name = 'InvalidTargetError';
  readonly code = 'BRK_ERR_INVALID_TARGET';
  readonly reason = 'invalid_target';

  constructor(
    /** The request field at fault, e.g. `target`, `type`, `targets[3].target`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
