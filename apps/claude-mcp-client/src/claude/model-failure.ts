import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { isBreakerOpenError, isTimeoutError } from '@mcpgw/resilience';
import type { DegradedReason } from '../metrics.js';

/**
 * Error codes of the Messages API that mean "no more spending": the contract or tier spend
 * limit, or the linked organization's. Retrying cannot help until someone raises the limit.
 */
const SPEND_LIMIT_CODES = new Set([
  'contract_spend_limit_reached',
  'enforced_spend_limit_reached',
  'linked_organization_spend_limit_reached',
  'linked_organization_billing_unavailable',
]);

/** Whether an API error body (`{ type: 'error', error: { type, details: { error_code } } }`) is a spend limit. */
export function isSpendLimitBody(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const error = (body as { error?: { type?: unknown; details?: { error_code?: unknown } } }).error;
  if (!error || typeof error !== 'object') return false;
  if (error.type === 'billing_error') return true;
  const code = error.details?.error_code;
  return typeof code === 'string' && SPEND_LIMIT_CODES.has(code);
}

/** Whether the SDK error is a spend-limit or billing refusal. */
export function isSpendLimitError(err: unknown): boolean {
  if (!(err instanceof APIError)) return false;
  return err.status === 402 || err.type === 'billing_error' || (err.errorCode !== null && SPEND_LIMIT_CODES.has(err.errorCode));
}

/** The caller (or the exchange deadline) cancelled the model call: not Claude's failure. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || err instanceof APIUserAbortError;
}

/**
 * Why Claude could not answer, as the `reason` of a degraded answer. Every failure degrades
 * (the caller still gets the offline answer); the reason tells operators which one it was.
 */
export function degradedReasonOf(err: unknown): DegradedReason {
  if (isBreakerOpenError(err)) return 'breaker_open';
  if (isSpendLimitError(err)) return 'spend_limit';
  if (isTimeoutError(err) || err instanceof APIConnectionError) return 'unavailable';
  if (err instanceof APIError) {
    if (err.status === 529) return 'overloaded';
    if (err.status === 429) return 'rate_limited';
    if (err.status === 401 || err.status === 403) return 'auth';
    if (typeof err.status === 'number' && err.status >= 500) return 'unavailable';
  }
  return 'model_error';
}

/**
 * Whether a failure counts against the breaker: Claude being unavailable to us (overload, rate
 * limits, spend limits, outages, refused credentials), not a request we got wrong (other 4xx).
 */
export function countsAgainstBreaker(err: unknown): boolean {
  return degradedReasonOf(err) !== 'model_error';
}
