import Opossum from 'opossum';
import {
  BreakerOpenError,
  BulkheadFullError,
  type ResilienceError,
  TimeoutError,
} from './errors.js';

/** Maps an error that left opossum into this lib's catalogue; other errors pass unchanged. */
export type BreakerErrorMapper = (err: unknown) => unknown;

/**
 * Builds the boundary mapping for one breaker. The same opossum error is seen several times
 * (failure event, error filter, the rejected `fire`), so mapped errors are memoised per raw
 * error: every observer gets the very same `TimeoutError` instance, including the reason of the
 * AbortSignal handed to the action.
 */
export function breakerErrorMapper(breaker: string, timeoutMs: number | false): BreakerErrorMapper {
  const seen = new WeakMap<Error, ResilienceError>();
  return (err) => {
    if (!(err instanceof Error) || !Opossum.isOurError(err)) return err;
    const known = seen.get(err);
    if (known) return known;
    const mapped = translate(err, breaker, timeoutMs);
    if (!mapped) return err;
    seen.set(err, mapped);
    return mapped;
  };
}

function translate(
  err: Error,
  breaker: string,
  timeoutMs: number | false,
): ResilienceError | undefined {
  const code = 'code' in err ? err.code : undefined;
  switch (code) {
    case 'EOPENBREAKER':
      return new BreakerOpenError(breaker);
    case 'ESHUTDOWN':
      return new BreakerOpenError(breaker, 'breaker_shutdown');
    case 'ETIMEDOUT': {
      const ms = timeoutMs === false ? 0 : timeoutMs;
      return new TimeoutError(ms, `circuit breaker "${breaker}" timed out after ${ms} ms`);
    }
    case 'ESEMLOCKED':
      // opossum's `capacity` is a bulkhead without a queue; report it as one.
      return new BulkheadFullError(breaker, 'breaker_capacity');
    default:
      return undefined;
  }
}
