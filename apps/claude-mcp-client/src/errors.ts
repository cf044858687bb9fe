/**
 * The chat client's error catalogue (`CHAT_ERR_*`). Local errors are {@link HttpError}s built
 * here, so every status, code and low-cardinality `reason` is decided in one place; the
 * service-kit error handler serialises them into the error envelope.
 */
import { HttpError } from '@mcpgw/service-kit';

export const CHAT_ERROR_CODES = {
  SESSION_NOT_FOUND: 'CHAT_ERR_SESSION_NOT_FOUND',
  SESSION_BUSY: 'CHAT_ERR_SESSION_BUSY',
  TOOL_LOOP_LIMIT: 'CHAT_ERR_TOOL_LOOP_LIMIT',
  AUTH_UNAVAILABLE: 'CHAT_ERR_AUTH_UNAVAILABLE',
} as const;

export const chatErrors = {
  /** Unknown, expired, or another user's session: all look the same to the caller. */
  sessionNotFound: () =>
    new HttpError(404, CHAT_ERROR_CODES.SESSION_NOT_FOUND, 'no such session (it may have expired); omit session_id to start a new one', {
      reason: 'session_not_found',
    }),
  sessionBusy: () =>
    new HttpError(409, CHAT_ERROR_CODES.SESSION_BUSY, 'another message of this session is still being answered', {
      reason: 'session_busy',
      headers: { 'Retry-After': '2' },
    }),
  /** The model kept calling tools past the turn limit or the token budget. */
  toolLoopLimit: (why: 'turn_limit' | 'token_budget', details: unknown) =>
    new HttpError(
      422,
      CHAT_ERROR_CODES.TOOL_LOOP_LIMIT,
      why === 'turn_limit'
        ? 'the model did not finish within the turn limit'
        : 'the exchange exceeded its token budget',
      { reason: why, details },
    ),
  unauthenticated: (message = 'an API key or service token is required') =>
    new HttpError(401, 'UNAUTHORIZED', message, {
      reason: 'unauthenticated',
      headers: { 'WWW-Authenticate': 'Bearer realm="claude-mcp-client"' },
    }),
  invalidCredentials: () =>
    new HttpError(401, 'UNAUTHORIZED', 'invalid, revoked or expired API key', {
      reason: 'invalid_api_key',
      headers: { 'WWW-Authenticate': 'Bearer realm="claude-mcp-client", error="invalid_token"' },
    }),
  authRateLimited: (retryAfterSeconds: number) =>
    new HttpError(429, 'RATE_LIMITED', 'the gateway rate-limited this API key', {
      reason: 'auth_rate_limited',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
  authUnavailable: (cause?: unknown) =>
    new HttpError(503, CHAT_ERROR_CODES.AUTH_UNAVAILABLE, 'the gateway could not verify the API key; retry shortly', {
      reason: 'auth_unavailable',
      headers: { 'Retry-After': '2' },
      cause,
    }),
} as const;

/** The caller went away (or the exchange deadline passed): nothing is answered or stored. */
export class ExchangeCancelledError extends Error {
  override readonly name = 'ExchangeCancelledError';
  readonly code = 'CHAT_ERR_CANCELLED';
  constructor(
    readonly reason: 'client_closed' | 'deadline',
    options?: { cause?: unknown },
  ) {
    super(reason === 'deadline' ? 'the exchange took longer than its deadline' : 'the client closed the connection', options);
  }
}
