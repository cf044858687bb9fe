/**
 * Local HTTP-facing errors. A service throws these; the error handler serialises them into the
 * error envelope in one place. `reason` is low-cardinality and safe as a metric label.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: {
      reason?: string;
      details?: unknown;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
  }

  get reason(): string {
    return this.options.reason ?? this.code.toLowerCase();
  }
}

export const httpErrors = {
  badRequest: (message: string, details?: unknown) =>
    new HttpError(400, 'VALIDATION_FAILED', message, { details, reason: 'validation' }),
  unauthorized: (message = 'authentication required', headers?: Record<string, string>) =>
    new HttpError(401, 'UNAUTHORIZED', message, { headers, reason: 'unauthorized' }),
  forbidden: (message = 'forbidden') => new HttpError(403, 'FORBIDDEN', message, { reason: 'forbidden' }),
  notFound: (message = 'not found') => new HttpError(404, 'NOT_FOUND', message, { reason: 'not_found' }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new HttpError(429, 'RATE_LIMITED', 'rate limit exceeded', {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      reason: 'rate_limited',
    }),
  serviceUnavailable: (code: string, message: string, retryAfterSeconds = 1, cause?: unknown) =>
    new HttpError(503, code, message, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      reason: code.toLowerCase(),
      cause,
    }),
} as const;

/** Extracts a string `code` from any thrown value without trusting its type. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
