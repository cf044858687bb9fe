import type { Registry } from 'prom-client';
import {
  BREAKER_EVENT_NAMES,
  type BreakerEventName,
  type BreakerEvents,
} from './breaker-events.js';
import type { ResilienceLogger } from './logger.js';
import { counterIn, gaugeIn } from './metrics.js';

type Subscribe = <E extends BreakerEventName>(
  event: E,
  listener: (...args: BreakerEvents[E]) => void,
) => void;

/** Values of `circuit_breaker_state`. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Wires a breaker's events to `circuit_breaker_state{breaker}` and
 * `circuit_breaker_events_total{breaker,event}`. Every event series starts at 0 so that
 * `rate()` sees the first increment.
 */
export function instrumentBreaker(registry: Registry, breaker: string, subscribe: Subscribe): void {
  const state = gaugeIn(registry, {
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'],
  });
  const events = counterIn(registry, {
    name: 'circuit_breaker_events_total',
    help: 'Circuit breaker events (fire, success, failure, reject, timeout, open, close, halfOpen, fallback, ...)',
    labelNames: ['breaker', 'event'],
  });
  state.set({ breaker }, BREAKER_STATE_VALUE.closed);
  for (const event of BREAKER_EVENT_NAMES) {
    events.inc({ breaker, event }, 0);
    subscribe(event, () => events.inc({ breaker, event }));
  }
  subscribe('open', () => state.set({ breaker }, BREAKER_STATE_VALUE.open));
  subscribe('halfOpen', () => state.set({ breaker }, BREAKER_STATE_VALUE['half-open']));
  subscribe('close', () => state.set({ breaker }, BREAKER_STATE_VALUE.closed));
}

/** Logs state changes: opening at warn (callers now fail fast), recovery steps at info. */
export function logBreakerStateChanges(
  logger: ResilienceLogger,
  breaker: string,
  resetTimeoutMs: number,
  subscribe: Subscribe,
): void {
  subscribe('open', () =>
    logger.warn('circuit breaker opened', { breaker, reset_timeout_ms: resetTimeoutMs }),
  );
  subscribe('halfOpen', () => logger.info('circuit breaker half-open', { breaker }));
  subscribe('close', () => logger.info('circuit breaker closed', { breaker }));
}
