import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isRetriesExhaustedError, RetriesExhaustedError, TimeoutError } from './errors.js';
import { backoffCapMs, retry, type RetryOptions } from './retry.js';

/** A fake clock whose sleep advances time instantly and records every wait. */
function fakeTime(start = 1_700_000_000_000) {
  const clock = { now: start, slept: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.now += ms;
    },
  };
}

const failing = (message = 'upstream 503') => vi.fn(async () => Promise.reject(new Error(message)));

describe('retry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns the first success and passes attempt numbers and a signal to fn', async () => {
    const time = fakeTime();
    const seen: Array<[number, boolean]> = [];
    const value = await retry(
      async (attempt, signal) => {
        seen.push([attempt, signal instanceof AbortSignal]);
        if (attempt < 2) throw new Error('flaky');
        return 'ok';
      },
      { retries: 5, now: time.now, sleep: time.sleep, random: () => 0.5 },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    expect(time.clock.slept).toHaveLength(2);
  });

  it('gives up after `retries` with RetriesExhaustedError carrying the last error', async () => {
    const time = fakeTime();
    let n = 0;
    const fn = vi.fn(async () => Promise.reject(new Error(`fail ${n++}`)));
    const err = await retry(fn, { retries: 3, now: time.now, sleep: time.sleep }).catch(
      (e: unknown) => e,
    );
    expect(fn).toHaveBeenCalledTimes(4);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err).toMatchObject({
      attempts: 4,
      reason: 'retries_exhausted',
      code: 'RES_ERR_RETRIES_EXHAUSTED',
    });
    expect((err as RetriesExhaustedError).cause).toEqual(new Error('fail 3'));
  });

  it('retries: 0 calls once', async () => {
    const fn = failing();
    await expect(retry(fn, { retries: 0 })).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('uses full jitter: delay = random() * min(max, base * 2^attempt)', async () => {
    const time = fakeTime();
    const randoms = [0, 0.999, 0.5, 0.25, 0.999];
    let i = 0;
    await expect(
      retry(failing(), {
        retries: 5,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        random: () => randoms[i++ % randoms.length] ?? 0,
        now: time.now,
        sleep: time.sleep,
      }),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    // caps: 100, 200, 400, 800, 1000
    expect(time.clock.slept).toEqual([0, 199, 200, 200, 999]);
  });

  it('does not retry an error flagged non-retryable and throws it unchanged', async () => {
    const badRequest = Object.assign(new Error('400'), { retryable: false });
    const fn = vi.fn(async () => Promise.reject(badRequest));
    await expect(retry(fn, { retries: 5 })).rejects.toBe(badRequest);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('asks shouldRetry with the error and the failed attempt index', async () => {
    const time = fakeTime();
    const shouldRetry = vi.fn(
      (err: unknown, attempt: number) => attempt < 1 && err instanceof Error,
    );
    const fn = failing();
    await expect(
      retry(fn, { retries: 5, shouldRetry, now: time.now, sleep: time.sleep }),
    ).rejects.toThrow('upstream 503');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(shouldRetry.mock.calls.map((c) => c[1])).toEqual([0, 1]);
  });

  it('honours retryAfterMs instead of the jittered delay (uncapped by maxDelayMs)', async () => {
    const time = fakeTime();
    const limited = Object.assign(new Error('429'), { retryAfterMs: 3_000 });
    let calls = 0;
    const onRetry = vi.fn();
    const value = await retry(
      async () => {
        if (calls++ === 0) throw limited;
        return 'ok';
      },
      {
        retries: 2,
        maxDelayMs: 500,
        random: () => 0.5,
        retryAfterMs: (err) => (err === limited ? limited.retryAfterMs : undefined),
        now: time.now,
        sleep: time.sleep,
        onRetry,
      },
    );
    expect(value).toBe('ok');
    expect(time.clock.slept).toEqual([3_000]);
    expect(onRetry).toHaveBeenCalledWith({ attempt: 0, delayMs: 3_000, error: limited });
  });

  it('ignores a nonsensical retryAfterMs and falls back to jitter', async () => {
    const time = fakeTime();
    await expect(
      retry(failing(), {
        retries: 1,
        baseDelayMs: 100,
        random: () => 0.5,
        retryAfterMs: () => Number.NaN,
        now: time.now,
        sleep: time.sleep,
      }),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(time.clock.slept).toEqual([50]);
  });

  it('gives up instead of sleeping when a Retry-After would cross the deadline', async () => {
    const time = fakeTime();
    const fn = failing('429');
    const err = await retry(fn, {
      retries: 5,
      deadlineMs: 1_000,
      retryAfterMs: () => 5_000,
      now: time.now,
      sleep: time.sleep,
    }).catch((e: unknown) => e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(time.clock.slept).toEqual([]);
    expect(err).toMatchObject({ reason: 'deadline_exceeded', attempts: 1 });
  });

  it('does not call fn when the absolute deadline already passed', async () => {
    const time = fakeTime();
    const fn = failing();
    const err = await retry(fn, { retries: 3, deadline: time.now() - 1, now: time.now }).catch(
      (e: unknown) => e,
    );
    expect(fn).not.toHaveBeenCalled();
    expect(err).toMatchObject({ reason: 'deadline_exceeded', attempts: 0 });
  });

  it('aborts the in-flight attempt when the deadline arrives', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    let settled = false;
    const pending = retry(
      (_attempt, signal) => {
        seen = signal;
        return new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      { retries: 5, deadlineMs: 30 },
    )
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(29);
    expect(settled).toBe(false);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pending;
    expect(seen?.aborted).toBe(true);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    expect(err).toMatchObject({ reason: 'deadline_exceeded', attempts: 1 });
    expect((err as RetriesExhaustedError).cause).toBeInstanceOf(TimeoutError);
  });

  it('an abort stops the wait and rejects with the signal reason', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      // Abort while retry sleeps a long jittered delay (the built-in sleep, on fake timers).
      setTimeout(() => controller.abort(new Error('shutdown')), 10);
      throw new Error('fail');
    });
    const assertion = expect(
      retry(fn, {
        retries: 5,
        baseDelayMs: 60_000,
        maxDelayMs: 60_000,
        random: () => 0.99,
        signal: controller.signal,
      }),
    ).rejects.toThrow('shutdown');
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    expect(fn).toHaveBeenCalledTimes(1);
    // The ~59 s sleep was cancelled, not left behind.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort during an attempt aborts its signal and is not retried', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const fn = vi.fn((_attempt: number, signal: AbortSignal) => {
      seen = signal;
      controller.abort(new Error('client gone'));
      return Promise.reject(new Error('cancelled'));
    });
    await expect(retry(fn, { retries: 5, signal: controller.signal })).rejects.toThrow(
      'client gone',
    );
    expect(fn).toHaveBeenCalledTimes(1);
    expect(seen?.aborted).toBe(true);
  });

  it('rejects invalid options', async () => {
    const ok = async () => 1;
    await expect(retry(ok, { retries: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(retry(ok, { retries: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(retry(ok, { retries: 1, baseDelayMs: -1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('property: never sleeps past the deadline, each delay within [0, cap], at most retries + 1 calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          baseDelayMs: fc.integer({ min: 0, max: 2_000 }),
          maxDelayMs: fc.integer({ min: 0, max: 30_000 }),
          retries: fc.integer({ min: 0, max: 25 }),
          deadlineMs: fc.integer({ min: 1, max: 60_000 }),
          attemptCostMs: fc.integer({ min: 0, max: 3_000 }),
          retryAfter: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
          randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
            minLength: 1,
          }),
        }),
        async ({
          baseDelayMs,
          maxDelayMs,
          retries,
          deadlineMs,
          attemptCostMs,
          retryAfter,
          randoms,
        }) => {
          const time = fakeTime();
          const start = time.now();
          const ends: number[] = [];
          let calls = 0;
          let r = 0;
          const options: RetryOptions = {
            retries,
            baseDelayMs,
            maxDelayMs,
            deadlineMs,
            random: () => randoms[r++ % randoms.length] ?? 0,
            retryAfterMs: () => retryAfter,
            now: time.now,
            sleep: async (ms) => {
              await time.sleep(ms);
              ends.push(time.now());
            },
          };
          const err = await retry(async () => {
            calls++;
            time.clock.now += attemptCostMs;
            throw new Error('fail');
          }, options).catch((e: unknown) => e);

          expect(isRetriesExhaustedError(err)).toBe(true);
          expect(calls).toBeLessThanOrEqual(retries + 1);
          const total = time.clock.slept.reduce((a, b) => a + b, 0);
          expect(total).toBeLessThanOrEqual(deadlineMs);
          for (const end of ends) expect(end).toBeLessThan(start + deadlineMs);
          time.clock.slept.forEach((ms, attempt) => {
            expect(ms).toBeGreaterThanOrEqual(0);
            if (retryAfter === undefined)
              expect(ms).toBeLessThanOrEqual(backoffCapMs(attempt, baseDelayMs, maxDelayMs));
            else expect(ms).toBe(retryAfter);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
