import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTimeoutError, TimeoutError } from './errors.js';
import { sleep } from './sleep.js';
import { withTimeout } from './timeout.js';

/** Work that only ends when its signal aborts, like a fetch to a hung server. */
function hangUntilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
}

describe('withTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value and clears its timer', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const value = await withTimeout(async (signal) => {
      seen = signal;
      return 42;
    }, 5_000);
    expect(value).toBe(42);
    expect(seen?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with TimeoutError and aborts the signal given to fn', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return hangUntilAborted(signal);
      },
      1_000,
      { message: 'upstream too slow' },
    );
    const assertion = expect(p).rejects.toSatisfy(
      (err) =>
        isTimeoutError(err) && err.timeoutMs === 1_000 && err.message === 'upstream too slow',
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await assertion;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not wait for fn after the timeout (fn ignoring its signal)', async () => {
    vi.useFakeTimers();
    let fnDone = false;
    const p = withTimeout(() => sleep(300).then(() => (fnDone = true)), 20);
    const assertion = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await vi.advanceTimersByTimeAsync(20);
    await assertion;
    expect(fnDone).toBe(false);
    await vi.advanceTimersByTimeAsync(280);
    expect(fnDone).toBe(true);
  });

  it('passes fn errors through unchanged and clears the timer', async () => {
    vi.useFakeTimers();
    const boom = new Error('boom');
    await expect(withTimeout(async () => Promise.reject(boom), 1_000)).rejects.toBe(boom);
    await expect(
      withTimeout(() => {
        throw boom;
      }, 1_000),
    ).rejects.toBe(boom);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an outer abort aborts fn, rejects with its reason and clears the timer', async () => {
    vi.useFakeTimers();
    const outer = new AbortController();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return hangUntilAborted(signal);
      },
      10_000,
      { signal: outer.signal },
    );
    const reason = new Error('client went away');
    outer.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(seen?.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes its listener from the outer signal when done', async () => {
    const outer = new AbortController();
    await withTimeout(async () => 'ok', 1_000, { signal: outer.signal });
    await expect(withTimeout(() => sleep(500), 5, { signal: outer.signal })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });

  it('does not call fn when the outer signal is already aborted', async () => {
    const outer = new AbortController();
    outer.abort(new Error('gone'));
    const fn = vi.fn(async () => 1);
    await expect(withTimeout(fn, 1_000, { signal: outer.signal })).rejects.toThrow('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('treats Infinity as no timeout and rejects a negative budget', async () => {
    vi.useFakeTimers();
    const p = withTimeout(async () => 'late', Infinity);
    expect(vi.getTimerCount()).toBe(0);
    await expect(p).resolves.toBe('late');
    await expect(withTimeout(async () => 1, -1)).rejects.toBeInstanceOf(RangeError);
  });
});
