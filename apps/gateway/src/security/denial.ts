/**
 * A pipeline stage said no. Carries everything both boundaries need: the HTTP status and headers,
 * the JSON-RPC code for /mcp, the error code for the REST envelope, and the low-cardinality
 * `reason` for metrics and the audit event. Messages never echo secrets.
 */
export class Denial extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason: string,
    readonly options: { headers?: Record<string, string>; rpcCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'Denial';
  }

  get headers(): Record<string, string> {
    return this.options.headers ?? {};
  }

  /** JSON-RPC error code used on /mcp (implementation-defined server error range). */
  get rpcCode(): number {
    return this.options.rpcCode ?? -32000;
  }
}

/** A security control could not decide because a dependency is down: fail closed, retry soon. */
export function unavailableDenial(code: string, reason: string, cause: unknown): Denial {
  return new Denial(503, code, 'Service temporarily unavailable, retry shortly', reason, {
    headers: { 'Retry-After': '1' },
    cause,
  });
}

/** The state store (API keys, buckets, outbox) could not answer. */
export function storeUnavailableDenial(cause: unknown): Denial {
  return unavailableDenial('STORE_UNAVAILABLE', 'store_unavailable', cause);
}
