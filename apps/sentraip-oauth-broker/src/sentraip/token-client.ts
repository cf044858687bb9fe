import { SpanKind } from '@opentelemetry/api';
import Joi from 'joi';
import { isRetriesExhaustedError, isTimeoutError, retry, withTimeout } from '@mcpgw/resilience';
import { injectTraceHeaders, withSpan } from '@mcpgw/telemetry';
import { SentraipError, TokenError, type TokenFailure } from '../errors.js';
import type { BrokerMetrics } from '../metrics.js';
import { outcomeOf } from './outcome.js';
import { statusError, type SentraipHttp } from './http-client.js';

/** A token as the endpoint issued it (RFC 6749 §5.1). */
export interface IssuedToken {
  access_token: string;
  token_type: string;
  /** Lifetime in seconds. */
  expires_in: number;
}

export interface TokenClientOptions {
  http: SentraipHttp;
  clientId: string;
  clientSecret: string;
  /** Budget of one attempt (aborts the request). */
  timeoutMs: number;
  /** Attempts after the first, on 5xx, 429, timeouts and network errors only. */
  retries: number;
  metrics: BrokerMetrics;
  baseDelayMs?: number;
}

export const TOKEN_SCOPE = 'threat-intelligence';

const tokenResponseSchema = Joi.object({
  access_token: Joi.string()
    .min(1)
    .max(4096)
    .pattern(/^[\x21-\x7e]+$/)
    .required(),
  token_type: Joi.string()
    .pattern(/^bearer$/i)
    .required(),
  expires_in: Joi.number().integer().min(1).max(31_536_000).required(),
}).unknown(true);

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function basicCredentials(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The worst-case duration of {@link TokenClient.fetch}: every attempt times out, plus backoff. */
export function tokenFetchDeadlineMs(timeoutMs: number, retries: number): number {
  return timeoutMs * (retries + 1) + 1000;
}

/**
 * Requests client-credentials tokens: per-attempt timeout through an AbortSignal, bounded
 * retries with full-jitter backoff (honouring `Retry-After`), never a retry on a 4xx. Any
 * failure ends as one {@link TokenError} whose reason and message say what went wrong.
 */
export class TokenClient {
  private readonly authorization: string;
  private readonly deadlineMs: number;

  constructor(private readonly options: TokenClientOptions) {
    this.authorization = basicCredentials(options.clientId, options.clientSecret);
    this.deadlineMs = tokenFetchDeadlineMs(options.timeoutMs, options.retries);
  }

  fetch(): Promise<IssuedToken> {
    return withSpan('sentraip.oauth.token', { kind: SpanKind.CLIENT }, async (span) => {
      try {
        return await retry((_attempt, signal) => this.attempt(signal), {
          retries: this.options.retries,
          baseDelayMs: this.options.baseDelayMs ?? 100,
          maxDelayMs: 2000,
          deadlineMs: this.deadlineMs,
          retryAfterMs: (err) => (err instanceof SentraipError ? err.retryAfterMs : undefined),
        });
      } catch (err) {
        const failure = tokenFailure(err);
        span.setAttribute('sentraip.token.failure', failure.reason);
        throw failure;
      }
    });
  }

  private async attempt(signal: AbortSignal): Promise<IssuedToken> {
    try {
      const token = await withTimeout((inner) => this.post(inner), this.options.timeoutMs, {
        signal,
        message: 'token request timed out',
      });
      this.options.metrics.sentraipRequest('token', 'success');
      return token;
    } catch (err) {
      this.options.metrics.sentraipRequest('token', outcomeOf(err));
      throw err;
    }
  }

  private async post(signal: AbortSignal): Promise<IssuedToken> {
    const result = await this.options.http.send(
      {
        method: 'POST',
        url: '/oauth/token',
        headers: injectTraceHeaders({
          Authorization: this.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
        }),
        data: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: TOKEN_SCOPE,
        }).toString(),
      },
      signal,
    );
    if (result.status !== 200) throw statusError(result, 'token request');
    const { value, error } = tokenResponseSchema.validate(result.data);
    if (error) throw new SentraipError('invalid_response', 'SentraIP token response is malformed');
    return value as IssuedToken;
  }
}

/** Maps whatever ended the retries to a TokenError with a clear, secret-free message. */
function tokenFailure(err: unknown): TokenError {
  const last = isRetriesExhaustedError(err) ? err.cause : err;
  const attempts = isRetriesExhaustedError(err) ? err.attempts : 1;
  const suffix = `after ${attempts} attempt(s)`;
  if (last instanceof SentraipError) {
    // RFC 6749 §5.2: a token endpoint answers a failed client authentication with 401.
    const reason: TokenFailure =
      last.reason === 'unauthorized'
        ? 'invalid_client'
        : last.reason === 'client_error'
          ? 'rejected'
          : last.reason;
    return new TokenError(reason, `SentraIP token request failed ${suffix}: ${last.message}`);
  }
  if (
    isTimeoutError(last) ||
    (isRetriesExhaustedError(err) && err.reason === 'deadline_exceeded')
  ) {
    return new TokenError(
      'timeout',
      `SentraIP token request failed ${suffix}: the token endpoint did not answer in time`,
    );
  }
  return new TokenError('network', `SentraIP token request failed ${suffix}: unexpected error`);
}
