export {
  RESILIENCE_ERROR_CODES,
  type ResilienceErrorCode,
  ResilienceError,
  BreakerOpenError,
  TimeoutError,
  RetriesExhaustedError,
  BulkheadFullError,
  BulkheadTimeoutError,
  isResilienceError,
  isBreakerOpenError,
  isTimeoutError,
  isRetriesExhaustedError,
  isBulkheadFullError,
  isBulkheadTimeoutError,
  isRetryable,
} from './errors.js';
export { type ResilienceLogger, silentLogger } from './logger.js';
export { sleep, MAX_TIMER_MS } from './sleep.js';
export { withTimeout, type WithTimeoutOptions } from './timeout.js';
export { retry, backoffCapMs, type RetryOptions, type RetryEvent } from './retry.js';
export {
  Cancellation,
  linkedCancellation,
  type AbortListener,
  type LinkedCancellation,
} from './cancellation.js';
export { Bulkhead, type BulkheadOptions, type BulkheadRunOptions } from './bulkhead.js';
export {
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type BreakerAction,
  type BreakerState,
  type BreakerStats,
} from './circuit-breaker.js';
export {
  BREAKER_EVENT_NAMES,
  type BreakerEventName,
  type BreakerEvents,
} from './breaker-events.js';
export { BREAKER_STATE_VALUE } from './breaker-metrics.js';
