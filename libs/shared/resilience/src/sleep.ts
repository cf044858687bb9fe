import { abortReason } from './abort.js';

/** Largest delay `setTimeout` honours; longer ones silently fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolves after `ms` milliseconds. If `signal` aborts first, the timer is cleared and the
 * promise rejects with `signal.reason` (the platform convention, as `fetch` does).
 * Rejects with a RangeError when `ms` is NaN or above {@link MAX_TIMER_MS}; negative values
 * count as 0.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (Number.isNaN(ms) || ms > MAX_TIMER_MS) {
    return Promise.reject(new RangeError(`sleep: invalid delay ${ms} ms`));
  }
  return new Promise<void>((resolve, reject) => {
    if (!signal) {
      setTimeout(resolve, Math.max(0, ms));
      return;
    }
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
