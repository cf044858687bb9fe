import { abortReason, linkedController } from './abort.js';
import { isRetryable, RetriesExhaustedError, TimeoutError } from './errors.js';
import { MAX_TIMER_MS, sleep as realSleep } from './sleep.js';

/** What {@link RetryOptions.onRetry} is told before each wait. */
export interface RetryEvent {
  /** Index of the attempt that just failed (0 = the first call). */
  attempt: number;
  /** How long retry will wait before the next attempt. */
  delayMs: number;
  error: unknown;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Maximum number of attempts after the first (0 = call once, never retry). */
  retries: number;
  /** Cap of the first backoff; doubles each attempt. Default 100. */
  baseDelayMs?: number;
  /** Upper bound of any jittered backoff. Default 10 000. */
  maxDelayMs?: number;
  /** Whether `err` of attempt `attempt` (0-based) is worth retrying. Default: {@link isRetryable}. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** A server-mandated wait (e.g. parsed `Retry-After`) that replaces the jittered delay. */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Absolute deadline, epoch ms (same clock as `now`). */
  deadline?: number;
  /** Deadline relative to the call; combined with `deadline`, the earlier wins. */
  deadlineMs?: number;
  /** Cancels waiting and the in-flight attempt; retry then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Source of randomness in [0, 1); injectable for tests. Default `Math.random`. */
  random?: () => number;
  /** Waits; injectable for tests. Default: this lib's {@link sleep}. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in epoch ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Called before each wait (for logs and metrics). */
  onRetry?: (event: RetryEvent) => void;
}

/** Full-jitter backoff cap for the wait after attempt `attempt` (0-based) failed. */
export function backoffCapMs(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
}

/**
 * Calls `fn(attempt, signal)` until it resolves, with exponential backoff and full jitter
 * (wait = random(0, min(maxDelayMs, baseDelayMs · 2^attempt)), or `retryAfterMs(err)` when it
 * returns a number).
 *
 * Outcome:
 * - `fn` resolves → its value.
 * - `shouldRetry` says no → **the original error**, unchanged (a 4xx stays a 4xx).
 * - `retries` used up → {@link RetriesExhaustedError} (`reason: 'retries_exhausted'`,
 *   `cause` = last error, `attempts`).
 * - the next wait would reach the deadline, or the deadline passed during an attempt →
 *   `RetriesExhaustedError` with `reason: 'deadline_exceeded'`. Retry never sleeps past the
 *   deadline, and the attempt's `signal` is aborted (with a {@link TimeoutError}) when the
 *   deadline arrives, so a cooperative `fn` stops there too.
 * - `options.signal` aborts → rejects with its reason.
 */
export async function retry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T> | T,
  options: RetryOptions,
): Promise<T> {
  const { retries, signal: outer } = options;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const shouldRetry = options.shouldRetry ?? ((err: unknown) => isRetryable(err));
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retry: invalid retries ${retries}`);
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) throw new RangeError('retry: delays must be >= 0');

  const deadlineAt = Math.min(
    options.deadline ?? Infinity,
    options.deadlineMs === undefined ? Infinity : now() + options.deadlineMs,
  );

  // Only read when attempt > 0, i.e. after at least one failure.
  let lastError: unknown = new TimeoutError(0, 'retry deadline has passed');
  for (let attempt = 0; ; attempt++) {
    if (outer?.aborted) throw abortReason(outer);
    const remaining = deadlineAt - now();
    // A timer may fire a little late; the check before each sleep keeps this rare.
    if (remaining <= 0) throw new RetriesExhaustedError(attempt, lastError, 'deadline_exceeded');

    const link = linkedController(outer);
    let deadlineHit = false;
    const deadlineTimer =
      remaining <= MAX_TIMER_MS
        ? setTimeout(() => {
            deadlineHit = true;
            link.controller.abort(new TimeoutError(remaining, 'retry deadline reached'));
          }, remaining)
        : undefined;
    let error: unknown;
    try {
      return await fn(attempt, link.signal);
    } catch (err) {
      error = lastError = err;
    } finally {
      clearTimeout(deadlineTimer);
      link.dispose();
    }

    if (outer?.aborted) throw abortReason(outer);
    const attempts = attempt + 1;
    if (deadlineHit) throw new RetriesExhaustedError(attempts, error, 'deadline_exceeded');
    if (!shouldRetry(error, attempt)) throw error;
    if (attempt >= retries) throw new RetriesExhaustedError(attempts, error, 'retries_exhausted');

    const delayMs = nextDelayMs(error, attempt);
    if (now() + delayMs >= deadlineAt)
      throw new RetriesExhaustedError(attempts, error, 'deadline_exceeded');
    options.onRetry?.({ attempt, delayMs, error });
    await wait(delayMs, outer);
  }

  function nextDelayMs(error: unknown, attempt: number): number {
    const serverWait = options.retryAfterMs?.(error);
    if (typeof serverWait === 'number' && Number.isFinite(serverWait) && serverWait >= 0) {
      return Math.min(serverWait, MAX_TIMER_MS);
    }
    return Math.floor(random() * backoffCapMs(attempt, baseDelayMs, maxDelayMs));
  }
}
