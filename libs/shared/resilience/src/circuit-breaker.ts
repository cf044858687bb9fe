import type { EventEmitter } from 'node:events';
import Opossum from 'opossum';
import type { Registry } from 'prom-client';
import { abortReason } from './abort.js';
import { type Cancellation, linkedCancellation, type LinkedCancellation } from './cancellation.js';
import { breakerErrorMapper } from './breaker-errors.js';
import { countingStatus } from './breaker-status.js';
import {
  breakerEventTranslators,
  type BreakerEventName,
  type BreakerEvents,
} from './breaker-events.js';
import { instrumentBreaker, logBreakerStateChanges } from './breaker-metrics.js';
import { type ResilienceLogger, silentLogger } from './logger.js';

/**
 * The work a breaker protects: gets the call's {@link Cancellation} (aborted on breaker timeout or
 * when the caller's signal aborts; `cancellation.signal` for an `AbortSignal`) and its arguments.
 */
export type BreakerAction<A extends unknown[], R> = (
  cancellation: Cancellation,
  ...args: A
) => Promise<R> | R;

/** Options of {@link createCircuitBreaker}. Durations in milliseconds. */
export interface CircuitBreakerOptions<A extends unknown[], R> {
  /** Metric label and log field; low-cardinality (e.g. the upstream's configured id). */
  name: string;
  /** Per-call time budget, or `false` for none. Default 10 000. */
  timeoutMs?: number | false;
  /** Failure percentage in the rolling window above which the breaker opens. Default 50. */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting one trial call through. Default 30 000. */
  resetTimeoutMs?: number;
  /** Calls needed in the window before the breaker may open. Default 5 (opossum's is 0). */
  volumeThreshold?: number;
  /** Length of the rolling statistics window. Default 10 000. */
  rollingCountTimeoutMs?: number;
  /** Buckets the window is divided into; must divide `rollingCountTimeoutMs`. Default 10. */
  rollingCountBuckets?: number;
  /** Concurrent calls allowed; beyond it `fire` rejects with `BulkheadFullError`. Default unlimited. */
  capacity?: number;
  /** Whether an error counts toward opening (e.g. `false` for a 4xx). Default: every error. */
  isFailure?: (err: unknown) => boolean;
  /** Value to return instead of failing (open breaker, timeout, failure). Gets the mapped error. */
  fallback?: (error: unknown, ...args: A) => Promise<R> | R;
  /** Registers `circuit_breaker_state` and `circuit_breaker_events_total`. */
  registry?: Registry;
  /** Receives state changes (open at warn, half-open and close at info). */
  logger?: ResilienceLogger;
}

/** Where a breaker is: `half-open` lets a single trial call through. */
export type BreakerState = 'closed' | 'half-open' | 'open' | 'shutdown';

/** Counters of the breaker's rolling window. */
export interface BreakerStats {
  fires: number;
  successes: number;
  failures: number;
  rejects: number;
  timeouts: number;
  fallbacks: number;
}

/** A typed circuit breaker over opossum; see {@link createCircuitBreaker}. */
export interface CircuitBreaker<A extends unknown[], R> {
  readonly name: string;
  readonly state: BreakerState;
  /** True while every call is rejected without being made (open or shut down). */
  readonly isOpen: boolean;
  /** Calls the action through the breaker. */
  fire(...args: A): Promise<R>;
  /** Like `fire`, and `signal` (e.g. the client's request) also aborts the action's cancellation. */
  fireWithSignal(signal: Cancellation | AbortSignal | undefined, ...args: A): Promise<R>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends BreakerEventName>(
    event: E,
    listener: (...args: BreakerEvents[E]) => void,
  ): () => void;
  /** Snapshot of the rolling window. */
  stats(): BreakerStats;
  /** Stops timers and rejects every later call with `BreakerOpenError` (reason `breaker_shutdown`). */
  shutdown(): void;
}

/** Per-call state handed to opossum as the first argument, so its events can find the call. */
class CallContext {
  constructor(
    readonly link: LinkedCancellation,
    private readonly outer: Cancellation | AbortSignal | undefined,
  ) {}

  /** The caller gave up (client disconnected): says nothing about the upstream's health. */
  get cancelledByCaller(): boolean {
    return this.outer?.aborted === true;
  }
}

/**
 * Creates a circuit breaker (opossum 9) around `action`, with metrics, state-change logs and
 * errors mapped into this lib's catalogue: an open (or shut down) breaker rejects with
 * `BreakerOpenError`, a breaker timeout with `TimeoutError`, a full `capacity` with
 * `BulkheadFullError`; the action's own errors pass through unchanged.
 *
 * On timeout, the cancellation the action received is aborted (reason: the `TimeoutError`), so
 * its HTTP request is really cancelled. Each call gets its own: opossum's `abortController`
 * option is one controller per breaker, which a single timeout would abort for every concurrent
 * call and, until the next state change, every later one. It is a {@link Cancellation}, not an
 * AbortController, so a call makes no AbortSignal unless the action asks for one.
 *
 * Errors of calls whose `fireWithSignal` signal was aborted are not counted as failures, so
 * clients disconnecting cannot open the breaker of a healthy upstream.
 */
export function createCircuitBreaker<A extends unknown[], R>(
  action: BreakerAction<A, R>,
  options: CircuitBreakerOptions<A, R>,
): CircuitBreaker<A, R> {
  const { name } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
  const isFailure = options.isFailure ?? (() => true);
  const mapError = breakerErrorMapper(name, timeoutMs);
  const rollingCountTimeout = options.rollingCountTimeoutMs ?? 10_000;
  const rollingCountBuckets = options.rollingCountBuckets ?? 10;
  const translators = breakerEventTranslators(mapError);

  const opossum = new Opossum<[CallContext, ...A], R>(
    async (ctx: CallContext, ...args: A) => action(ctx.link.cancellation, ...args),
    {
      name,
      timeout: timeoutMs,
      resetTimeout: resetTimeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      rollingCountTimeout,
      rollingCountBuckets,
      // Counts only: opossum's own status also keeps every call's latency (breaker-status.ts).
      status: countingStatus({ rollingCountTimeout, rollingCountBuckets }),
      capacity: options.capacity,
      // opossum's errorFilter returns true for errors that must NOT count as failures.
      errorFilter: (err: unknown, ctx?: unknown) =>
        (ctx instanceof CallContext && ctx.cancelledByCaller) || !isFailure(mapError(err)),
      // Nothing listens to snapshots; skipping them saves a timer per breaker.
      enableSnapshots: false,
      // Nothing reads latency percentiles, and with them on opossum sorts every latency of the
      // window at each failure: milliseconds per failed call under load.
      rollingPercentilesEnabled: false,
    },
  );
  // The typings declare narrower listener signatures than opossum 9 emits; listen untyped.
  const emitter: EventEmitter = opossum;

  // opossum emits `timeout` with the call's arguments; ours start with the CallContext.
  emitter.on('timeout', (err: unknown, _latency: unknown, args: unknown) => {
    const ctx = Array.isArray(args) ? args[0] : undefined;
    if (ctx instanceof CallContext) ctx.link.cancellation.abort(mapError(err));
  });

  const userFallback = options.fallback;
  if (userFallback) {
    opossum.fallback((...raw: unknown[]) => {
      // opossum calls the fallback with (...fireArgs, error); fireArgs start with the CallContext.
      const args = raw.slice(1, -1) as A;
      return userFallback(mapError(raw[raw.length - 1]), ...args);
    });
  }

  const on = <E extends BreakerEventName>(
    event: E,
    listener: (...args: BreakerEvents[E]) => void,
  ): (() => void) => {
    const translate = translators[event];
    const raw = (...rawArgs: unknown[]): void => {
      const args = translate(rawArgs);
      if (args) listener(...args);
    };
    emitter.on(event, raw);
    return () => {
      emitter.off(event, raw);
    };
  };

  if (options.registry) instrumentBreaker(options.registry, name, on);
  logBreakerStateChanges(options.logger ?? silentLogger, name, resetTimeoutMs, on);

  const fireWithSignal = async (
    signal: Cancellation | AbortSignal | undefined,
    ...args: A
  ): Promise<R> => {
    if (signal?.aborted) throw abortReason(signal);
    const ctx = new CallContext(linkedCancellation(signal), signal);
    try {
      return await opossum.fire(ctx, ...args);
    } catch (err) {
      throw mapError(err);
    } finally {
      ctx.link.dispose();
    }
  };

  return {
    name,
    get state(): BreakerState {
      if (opossum.isShutdown) return 'shutdown';
      if (opossum.opened) return 'open';
      if (opossum.halfOpen) return 'half-open';
      return 'closed';
    },
    get isOpen(): boolean {
      return opossum.opened || opossum.isShutdown;
    },
    fire: (...args: A) => fireWithSignal(undefined, ...args),
    fireWithSignal,
    on,
    stats: () => {
      const { fires, successes, failures, rejects, timeouts, fallbacks } = opossum.stats;
      return { fires, successes, failures, rejects, timeouts, fallbacks };
    },
    shutdown: () => opossum.shutdown(),
  };
}
