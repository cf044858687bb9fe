import { getEventListeners } from 'node:events';
import { Counter, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BREAKER_STATE_VALUE } from './breaker-metrics.js';
import { Cancellation } from './cancellation.js';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './circuit-breaker.js';
import { BreakerOpenError, BulkheadFullError, TimeoutError } from './errors.js';
import type { ResilienceLogger } from './logger.js';

const breakers: Array<{ shutdown(): void }> = [];
const RESET_TIMEOUT_MS = 500;

/**
 * Creates a breaker with test defaults; shut down after each test. The tests run on fake timers,
 * so the breaker half-opens exactly when a test advances the clock past `resetTimeoutMs`, never
 * because an await took long on a busy machine.
 */
function make<A extends unknown[], R>(
  action: (cancellation: Cancellation, ...args: A) => Promise<R>,
  options: Partial<CircuitBreakerOptions<A, R>> = {},
): CircuitBreaker<A, R> {
  const breaker = createCircuitBreaker(action, {
    name: 'up1',
    timeoutMs: 1_000,
    resetTimeoutMs: RESET_TIMEOUT_MS,
    volumeThreshold: 2,
    errorThresholdPercentage: 50,
    ...options,
  });
  breakers.push(breaker);
  return breaker;
}

async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

const nextEvent = <A extends unknown[], R>(
  breaker: CircuitBreaker<A, R>,
  event: 'halfOpen' | 'open' | 'close',
) =>
  new Promise<void>((resolve) => {
    const off = breaker.on(event, () => {
      off();
      resolve();
    });
  });

/** An upstream whose behaviour the test switches. */
function upstream() {
  const state = { healthy: false, calls: 0 };
  const action = vi.fn(async (_cancellation: Cancellation, x: number) => {
    state.calls++;
    if (!state.healthy) throw new Error('upstream 502');
    return x * 2;
  });
  return { state, action };
}

describe('createCircuitBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const breaker of breakers.splice(0)) breaker.shutdown();
    vi.useRealTimers();
  });

  it('opens after the threshold, rejects fast, half-opens after resetTimeout and closes on success', async () => {
    const registry = new Registry();
    const { state, action } = upstream();
    const breaker = make(action, { registry });
    expect(breaker.state).toBe('closed');
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'up1' })).toBe(
      BREAKER_STATE_VALUE.closed,
    );

    await expect(breaker.fire(1)).rejects.toThrow('upstream 502');
    expect(breaker.state).toBe('closed'); // below volumeThreshold
    await expect(breaker.fire(1)).rejects.toThrow('upstream 502');
    expect(breaker.state).toBe('open');
    expect(breaker.isOpen).toBe(true);
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'up1' })).toBe(2);

    const halfOpen = vi.fn();
    breaker.on('halfOpen', halfOpen);
    // Rejected without calling the upstream, for the whole reset timeout.
    const rejected = await breaker.fire(1).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(BreakerOpenError);
    expect(rejected).toMatchObject({
      code: 'RES_ERR_BREAKER_OPEN',
      breaker: 'up1',
      reason: 'breaker_open',
    });
    expect(state.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(RESET_TIMEOUT_MS - 1);
    expect(breaker.state).toBe('open');
    expect(halfOpen).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1);
    expect(halfOpen).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('half-open');
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'up1' })).toBe(1);

    state.healthy = true;
    await expect(breaker.fire(21)).resolves.toBe(42);
    expect(breaker.state).toBe('closed');
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'up1' })).toBe(0);

    const events = (event: string) =>
      value(registry, 'circuit_breaker_events_total', { breaker: 'up1', event });
    expect(await events('fire')).toBe(4);
    expect(await events('failure')).toBe(2);
    expect(await events('reject')).toBe(1);
    expect(await events('success')).toBe(1);
    expect(await events('open')).toBe(1);
    expect(await events('halfOpen')).toBe(1);
    expect(await events('close')).toBe(1);
    expect(await events('timeout')).toBe(0);
  });

  it('a failure costs the same however many calls the window holds (no latency percentiles)', async () => {
    // opossum recomputes its window's stats at every failure; with percentiles on, that sorts
    // every latency of the window, so a failing upstream under load cost milliseconds per call.
    const { state, action } = upstream();
    const breaker = make(action, { volumeThreshold: 5, errorThresholdPercentage: 99 });
    state.healthy = true;
    for (let i = 0; i < 20_000; i += 1) await breaker.fire(i);
    state.healthy = false;
    const started = process.cpuUsage();
    for (let i = 0; i < 100; i += 1) await breaker.fire(i).catch(() => undefined);
    const spent = process.cpuUsage(started);
    expect(breaker.isOpen).toBe(false);
    // About 10 µs per failure here; with the percentiles, about 1.5 ms.
    expect((spent.user + spent.system) / 100).toBeLessThan(300);
  });

  it('a failed trial call in half-open opens the breaker again', async () => {
    const { action } = upstream();
    const breaker = make(action);
    await breaker.fire(1).catch(() => undefined);
    await breaker.fire(1).catch(() => undefined);
    const halfOpen = nextEvent(breaker, 'halfOpen');
    await vi.advanceTimersByTimeAsync(RESET_TIMEOUT_MS);
    await halfOpen;
    await expect(breaker.fire(1)).rejects.toThrow('upstream 502');
    expect(breaker.state).toBe('open');
    // And stays open for another full reset timeout.
    await vi.advanceTimersByTimeAsync(RESET_TIMEOUT_MS - 1);
    expect(breaker.state).toBe('open');
  });

  it('isFailure excludes errors from the failure count but still rejects with them', async () => {
    const registry = new Registry();
    const notFound = Object.assign(new Error('404'), { status: 404 });
    const isFailure = vi.fn(
      (err: unknown) => !(err instanceof Error && 'status' in err && err.status === 404),
    );
    const breaker = make(async () => Promise.reject(notFound), { registry, isFailure });
    for (let i = 0; i < 5; i++) await expect(breaker.fire()).rejects.toBe(notFound);
    expect(breaker.state).toBe('closed');
    expect(isFailure).toHaveBeenCalledWith(notFound);
    expect(
      await value(registry, 'circuit_breaker_events_total', { breaker: 'up1', event: 'failure' }),
    ).toBe(0);
    expect(breaker.stats()).toMatchObject({ fires: 5, failures: 0 });
  });

  it('a breaker timeout rejects with TimeoutError and aborts the cancellation the action received', async () => {
    const registry = new Registry();
    const signals: Cancellation[] = [];
    const breaker = make(
      (cancellation: Cancellation, ms: number) => {
        signals.push(cancellation);
        return new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => resolve('done'), ms);
          cancellation.onAbort((reason) => {
            clearTimeout(timer);
            reject(reason);
          });
        });
      },
      { timeoutMs: 30, registry, volumeThreshold: 10 },
    );
    const onTimeout = vi.fn();
    breaker.on('timeout', onTimeout);

    const calls = Promise.allSettled([breaker.fire(5_000), breaker.fire(1)]);
    await vi.advanceTimersByTimeAsync(30);
    const [slow, fast] = await calls;
    expect(fast).toEqual({ status: 'fulfilled', value: 'done' });
    expect(slow.status).toBe('rejected');
    const err = (slow as PromiseRejectedResult).reason as unknown;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'RES_ERR_TIMEOUT', timeoutMs: 30 });
    // Only the timed-out call is aborted, with the very error the caller got.
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(err);
    // An AbortSignal asked for afterwards carries the same reason.
    expect(signals[0]?.signal.reason).toBe(err);
    expect(signals[1]?.aborted).toBe(false);
    expect(onTimeout).toHaveBeenCalledWith(err);
    expect(
      await value(registry, 'circuit_breaker_events_total', { breaker: 'up1', event: 'timeout' }),
    ).toBe(1);
    // Later calls get fresh, unaborted signals.
    const later = breaker.fire(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(later).resolves.toBe('done');
    expect(signals[2]?.aborted).toBe(false);
  });

  it('errors of the action pass through unchanged, non-Error values included', async () => {
    const boom = new TypeError('bad');
    await expect(make(async () => Promise.reject(boom)).fire()).rejects.toBe(boom);
    await expect(make(async () => Promise.reject('text'), { name: 'up2' }).fire()).rejects.toBe(
      'text',
    );
    const sync = make(() => {
      throw boom;
    });
    await expect(sync.fire()).rejects.toBe(boom);
  });

  it('capacity rejects extra concurrent calls with BulkheadFullError', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const breaker = make(async () => gate, { capacity: 1, volumeThreshold: 10 });
    const first = breaker.fire();
    const err = await breaker.fire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkheadFullError);
    expect(err).toMatchObject({ reason: 'breaker_capacity', bulkhead: 'up1' });
    release();
    await first;
  });

  it('fallback receives the mapped error and the call arguments', async () => {
    const fallback = vi.fn((err: unknown, x: number) => (err instanceof BreakerOpenError ? -x : 0));
    const breaker = make(
      async (_c: Cancellation, _x: number): Promise<number> => Promise.reject(new Error('down')),
      {
        fallback,
        volumeThreshold: 1,
      },
    );
    await expect(breaker.fire(7)).resolves.toBe(0);
    expect(breaker.state).toBe('open');
    await expect(breaker.fire(7)).resolves.toBe(-7);
    expect(fallback).toHaveBeenLastCalledWith(expect.any(BreakerOpenError), 7);
  });

  it('a call cancelled by its caller aborts the action and does not count as a failure', async () => {
    const registry = new Registry();
    const breaker = make(
      (cancellation: Cancellation) =>
        new Promise<never>((_, reject) => cancellation.onAbort(reject)),
      { registry, volumeThreshold: 1 },
    );
    const controller = new AbortController();
    const call = breaker.fireWithSignal(controller.signal);
    controller.abort(new Error('client disconnected'));
    await expect(call).rejects.toThrow('client disconnected');
    expect(breaker.state).toBe('closed');
    expect(
      await value(registry, 'circuit_breaker_events_total', { breaker: 'up1', event: 'failure' }),
    ).toBe(0);
    await expect(breaker.fireWithSignal(controller.signal)).rejects.toThrow('client disconnected');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a Cancellation from the caller cancels like a signal, and is let go once the call settles', async () => {
    const registry = new Registry();
    const seen: Cancellation[] = [];
    const breaker = make(
      (cancellation: Cancellation, hang: boolean) => {
        seen.push(cancellation);
        return hang
          ? new Promise<string>((_, reject) => cancellation.onAbort(reject))
          : Promise.resolve('done');
      },
      { registry, volumeThreshold: 1 },
    );
    const caller = new Cancellation();
    const abortSpy = vi.spyOn(caller, 'onAbort');
    const offSpy = vi.spyOn(caller, 'offAbort');
    await expect(breaker.fireWithSignal(caller, false)).resolves.toBe('done');
    // The link to the caller is taken back as the call settles.
    expect(offSpy).toHaveBeenCalledWith(abortSpy.mock.calls[0]?.[0]);
    expect(seen[0]).not.toBe(caller);

    const pending = breaker.fireWithSignal(caller, true);
    caller.abort(new Error('notifications/cancelled'));
    await expect(pending).rejects.toThrow('notifications/cancelled');
    expect(seen[1]?.aborted).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(
      await value(registry, 'circuit_breaker_events_total', { breaker: 'up1', event: 'failure' }),
    ).toBe(0);
  });

  it('logs state changes with the breaker name', async () => {
    const logger: ResilienceLogger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { state, action } = upstream();
    const breaker = make(action, { logger, name: 'sentraip' });
    await breaker.fire(1).catch(() => undefined);
    await breaker.fire(1).catch(() => undefined);
    expect(logger.warn).toHaveBeenCalledWith(
      'circuit breaker opened',
      expect.objectContaining({ breaker: 'sentraip' }),
    );
    const halfOpen = nextEvent(breaker, 'halfOpen');
    await vi.advanceTimersByTimeAsync(RESET_TIMEOUT_MS);
    await halfOpen;
    state.healthy = true;
    await breaker.fire(1);
    expect(logger.info).toHaveBeenCalledWith('circuit breaker half-open', { breaker: 'sentraip' });
    expect(logger.info).toHaveBeenCalledWith('circuit breaker closed', { breaker: 'sentraip' });
  });

  it('two breakers share a registry, and a name created twice reuses the metrics', async () => {
    const registry = new Registry();
    const a = make(async () => 'a', { name: 'a', registry });
    const b = make(async () => Promise.reject(new Error('b down')), {
      name: 'b',
      registry,
      volumeThreshold: 1,
    });
    const a2 = make(async () => 'a2', { name: 'a', registry });
    await a.fire();
    await a2.fire();
    await b.fire().catch(() => undefined);
    expect(
      await value(registry, 'circuit_breaker_events_total', { breaker: 'a', event: 'success' }),
    ).toBe(2);
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'a' })).toBe(0);
    expect(await value(registry, 'circuit_breaker_state', { breaker: 'b' })).toBe(2);
    const text = await registry.getSingleMetricAsString('circuit_breaker_state');
    expect(text).toContain('circuit_breaker_state{breaker="b"} 2');
  });

  it('refuses a registry where the metric name has another type', () => {
    const registry = new Registry();
    new Counter({ name: 'circuit_breaker_state', help: 'taken', registers: [registry] });
    expect(() => make(async () => 1, { registry })).toThrow(/another type/);
  });

  it('shutdown rejects later calls with BreakerOpenError (breaker_shutdown)', async () => {
    const breaker = make(async () => 'ok');
    breaker.shutdown();
    expect(breaker.state).toBe('shutdown');
    expect(breaker.isOpen).toBe(true);
    await expect(breaker.fire()).rejects.toMatchObject({
      code: 'RES_ERR_BREAKER_OPEN',
      reason: 'breaker_shutdown',
    });
  });

  it('on() returns an unsubscribe function', async () => {
    const breaker = make(async () => 'ok');
    const listener = vi.fn();
    const off = breaker.on('success', listener);
    await breaker.fire();
    off();
    await breaker.fire();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(expect.any(Number));
  });
});
