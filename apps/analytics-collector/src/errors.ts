/**
 * The collector's local error catalogue. Wire errors are built from `HttpError` in the route
 * handlers; these are the errors the domain code raises, each with a stable code and a
 * low-cardinality `reason` usable as a metric label.
 */
export const COLLECTOR_ERROR_CODES = {
  RULES_INVALID: 'ANL_ERR_RULES_INVALID',
  ACTION_FAILED: 'ANL_ERR_ACTION_FAILED',
  BAD_ENTRY: 'ANL_ERR_BAD_ENTRY',
} as const;

export type CollectorErrorCode = (typeof COLLECTOR_ERROR_CODES)[keyof typeof COLLECTOR_ERROR_CODES];

/** Base class of the collector's own errors. */
export abstract class CollectorError extends Error {
  abstract readonly code: CollectorErrorCode;

  protected constructor(
    message: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The rules file cannot be used; `problems` names every error by its path in the file. */
export class RulesInvalidError extends CollectorError {
  override readonly name = 'RulesInvalidError';
  readonly code = COLLECTOR_ERROR_CODES.RULES_INVALID;

  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid rules file ${file}:\n  ${problems.join('\n  ')}`, 'rules_invalid', options);
  }
}

/**
 * An action's HTTP call failed. `retryable` follows HTTP semantics: network errors, 408, 429
 * and 5xx may succeed later; other 4xx will not.
 */
export class ActionFailedError extends CollectorError {
  override readonly name = 'ActionFailedError';
  readonly code = COLLECTOR_ERROR_CODES.ACTION_FAILED;

  constructor(
    message: string,
    reason: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, reason, options);
  }
}

/** A stream entry that cannot be parsed; retrying will not fix it. */
export class BadEntryError extends CollectorError {
  override readonly name = 'BadEntryError';
  readonly code = COLLECTOR_ERROR_CODES.BAD_ENTRY;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad_entry', options);
  }
}
