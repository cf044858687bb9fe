import {
  isBreakerOpenError,
  isBulkheadFullError,
  isBulkheadTimeoutError,
  isTimeoutError,
} from '@mcpgw/resilience';
import { SentraipError } from '../errors.js';
import type { SentraipOutcome } from '../metrics.js';

/** The `outcome` label of a failed SentraIP call. */
export function outcomeOf(err: unknown): SentraipOutcome {
  if (err instanceof SentraipError) return err.reason === 'network' ? 'network_error' : err.reason;
  if (isTimeoutError(err)) return 'timeout';
  if (isBreakerOpenError(err)) return 'breaker_open';
  if (isBulkheadFullError(err) || isBulkheadTimeoutError(err)) return 'overloaded';
  return 'network_error';
}
