import {
  isBreakerOpenError,
  isBulkheadFullError,
  isBulkheadTimeoutError,
  isRetriesExhaustedError,
  isTimeoutError,
} from '@mcpgw/resilience';
import { StateStoreError } from '@mcpgw/state';
import { SentraipError, TokenError } from '../errors.js';

/** Why a lookup was answered degraded; the `X-Broker-Degraded-Reason` header and a metric label. */
export type DegradedReason =
  | 'not_configured'
  | 'token_unavailable'
  | 'breaker_open'
  | 'overloaded'
  | 'timeout'
  | 'unavailable'
  | 'rate_limited'
  | 'unauthorized'
  | 'rejected'
  | 'invalid_response'
  | 'internal';

/** Maps whatever stopped a lookup to its low-cardinality reason. */
export function degradedReason(err: unknown): DegradedReason {
  if (isRetriesExhaustedError(err)) {
    if (err.reason === 'deadline_exceeded') return 'timeout';
    return degradedReason(err.cause);
  }
  if (err instanceof TokenError)
    return err.reason === 'not_configured' ? 'not_configured' : 'token_unavailable';
  if (isBreakerOpenError(err)) return 'breaker_open';
  if (isBulkheadFullError(err) || isBulkheadTimeoutError(err)) return 'overloaded';
  if (isTimeoutError(err)) return 'timeout';
  if (err instanceof SentraipError) {
    switch (err.reason) {
      case 'timeout':
        return 'timeout';
      case 'network':
      case 'server_error':
        return 'unavailable';
      case 'client_error':
        return 'rejected';
      default:
        return err.reason;
    }
  }
  // Waiting for another replica's lookup took too long.
  if (err instanceof StateStoreError && err.code === 'STORE_WAIT_TIMEOUT') return 'timeout';
  return 'internal';
}
