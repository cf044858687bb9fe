import type { BreakerErrorMapper } from './breaker-errors.js';
import { BreakerOpenError, BulkheadFullError, TimeoutError } from './errors.js';

/** Events of a {@link CircuitBreaker} and the arguments their listeners receive. */
export interface BreakerEvents {
  /** A call was made (before any rejection). */
  fire: [];
  /** The action resolved, or failed with an error that `isFailure` excludes. */
  success: [latencyMs: number];
  /** The action failed (thrown error, timeout or capacity rejection), counted toward opening. */
  failure: [error: unknown, latencyMs: number];
  /** The breaker was open (or half-open with its trial call in flight): call not made. */
  reject: [error: BreakerOpenError];
  /** The breaker-level timeout fired; the action's signal has been aborted. */
  timeout: [error: TimeoutError];
  /** `capacity` concurrent calls were already running: call not made. */
  semaphoreLocked: [error: BulkheadFullError];
  open: [];
  close: [];
  halfOpen: [];
  /** The configured fallback ran instead of failing the call. */
  fallback: [error: unknown];
  shutdown: [];
}

/** Name of a breaker event. */
export type BreakerEventName = keyof BreakerEvents;

/** Every event name, in a stable order (used to pre-create metric series). */
export const BREAKER_EVENT_NAMES: readonly BreakerEventName[] = [
  'fire',
  'success',
  'failure',
  'reject',
  'timeout',
  'semaphoreLocked',
  'open',
  'close',
  'halfOpen',
  'fallback',
  'shutdown',
];

type Translators = { [E in BreakerEventName]: (raw: unknown[]) => BreakerEvents[E] | undefined };

/**
 * Turns opossum's raw listener arguments into this lib's typed ones, mapping errors at the
 * boundary. (opossum's own typings are loose about these arguments; the shapes here follow
 * opossum 9's `lib/circuit.js`.)
 */
export function breakerEventTranslators(mapError: BreakerErrorMapper): Translators {
  const latency = (value: unknown): number => (typeof value === 'number' ? value : 0);
  return {
    fire: () => [],
    success: (raw) => [latency(raw[1])],
    failure: (raw) => [mapError(raw[0]), latency(raw[1])],
    reject: (raw) => {
      const err = mapError(raw[0]);
      return err instanceof BreakerOpenError ? [err] : undefined;
    },
    timeout: (raw) => {
      const err = mapError(raw[0]);
      return err instanceof TimeoutError ? [err] : undefined;
    },
    semaphoreLocked: (raw) => {
      const err = mapError(raw[0]);
      return err instanceof BulkheadFullError ? [err] : undefined;
    },
    open: () => [],
    close: () => [],
    halfOpen: () => [],
    fallback: (raw) => [mapError(raw[1])],
    shutdown: () => [],
  };
}
