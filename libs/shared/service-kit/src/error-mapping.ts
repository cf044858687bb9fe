import { errorCode, HttpError } from './errors.js';

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

function fromBodyParser(err: BodyParserError & object): HttpError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body too large', { reason: 'body_too_large' });
    case 'entity.parse.failed':
      return new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON', { reason: 'invalid_json' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding or charset', {
        reason: 'unsupported_media_type',
      });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpError(400, 'BAD_REQUEST', 'malformed request body', { reason: 'bad_body' });
    default: {
      // Other client errors Express and its parsers mark as safe to answer (a path parameter that
      // is not valid percent-encoding, a gzip body that is not gzip): the client's fault, not a 500.
      // (Express 5's router marks an undecodable parameter with status 400 only, on a URIError.)
      const { status, expose } = err;
      const exposed = expose === true || err instanceof URIError;
      if (exposed && typeof status === 'number' && status >= 400 && status < 500) {
        return new HttpError(400, 'BAD_REQUEST', 'malformed request', { reason: 'bad_request' });
      }
      return undefined;
    }
  }
}

/**
 * Maps any thrown value to an {@link HttpError} at the service boundary: our own errors pass
 * through, third-party errors are mapped by code (store down → 503, open breaker → 503, timeout →
 * 504), and anything unknown becomes a generic 500 whose detail stays in the log.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err && typeof err === 'object') {
    const parsed = fromBodyParser(err as BodyParserError);
    if (parsed) return parsed;
  }
  const code = errorCode(err);
  if (code === 'RES_ERR_RETRIES_EXHAUSTED') return fromRetriesExhausted(err);
  switch (code) {
    case 'STORE_UNAVAILABLE':
      return new HttpError(503, 'STORE_UNAVAILABLE', 'state store unavailable, retry shortly', {
        headers: { 'Retry-After': '1' },
        reason: 'store_unavailable',
        cause: err,
      });
    case 'RES_ERR_BREAKER_OPEN':
      return new HttpError(503, 'UPSTREAM_UNAVAILABLE', 'dependency unavailable, retry shortly', {
        headers: { 'Retry-After': '5' },
        reason: 'breaker_open',
        cause: err,
      });
    case 'RES_ERR_BULKHEAD_FULL':
    case 'RES_ERR_BULKHEAD_TIMEOUT':
      return new HttpError(503, 'OVERLOADED', 'too many concurrent requests, retry shortly', {
        headers: { 'Retry-After': '1' },
        reason: 'bulkhead_full',
        cause: err,
      });
    case 'STORE_WAIT_TIMEOUT':
      return new HttpError(503, 'STORE_UNAVAILABLE', 'state store busy, retry shortly', {
        headers: { 'Retry-After': '1' },
        reason: 'store_wait_timeout',
        cause: err,
      });
    case 'RES_ERR_TIMEOUT':
      return new HttpError(504, 'UPSTREAM_TIMEOUT', 'dependency timed out', { reason: 'timeout', cause: err });
    default:
      return new HttpError(500, 'INTERNAL', 'internal error', { reason: 'internal', cause: err });
  }
}

/**
 * Retries ran out: the last attempt's error says what the caller should see (a timeout stays a
 * 504, an outage a 503); a spent deadline is a timeout in its own right.
 */
function fromRetriesExhausted(err: unknown): HttpError {
  const { cause, reason } = err as { cause?: unknown; reason?: unknown };
  if (cause !== undefined && errorCode(cause) !== 'RES_ERR_RETRIES_EXHAUSTED') {
    const mapped = toHttpError(cause);
    if (mapped.status !== 500) return mapped;
  }
  if (reason === 'deadline_exceeded') {
    return new HttpError(504, 'UPSTREAM_TIMEOUT', 'dependency timed out', { reason: 'deadline_exceeded', cause: err });
  }
  return new HttpError(503, 'UPSTREAM_UNAVAILABLE', 'dependency unavailable, retry shortly', {
    headers: { 'Retry-After': '1' },
    reason: 'retries_exhausted',
    cause: err,
  });
}
