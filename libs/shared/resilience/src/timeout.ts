import { abortReason } from './abort.js';
import { TimeoutError } from './errors.js';
import { MAX_TIMER_MS } from './sleep.js';

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions {
  /** An outer signal (e.g. the client's request); its abort also aborts `fn`'s signal. */
  signal?: AbortSignal;
  /** Message of the {@link TimeoutError}; keep it static (it may end up in logs). */
  message?: string;
}

/**
 * Runs `fn` with a time budget of `ms` milliseconds.
 *
 * `fn` receives an AbortSignal that aborts when the budget runs out (reason: the
 * {@link TimeoutError}) or when `options.signal` aborts (reason: that signal's reason), so work
 * started with it (an HTTP request, a Redis command) is really cancelled rather than left
 * running. The returned promise settles as soon as one of three things happens: `fn` settles,
 * the timeout fires (rejects with `TimeoutError`), or the outer signal aborts (rejects with its
 * reason). The timer and the outer-signal listener are always cleared on settle.
 *
 * `ms` of `Infinity` (or above the timer limit of ~24.8 days) means no timeout.
 */
export function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T> | T,
  ms: number,
  options: WithTimeoutOptions = {},
): Promise<T> {
  if (Number.isNaN(ms) || ms < 0) {
    return Promise.reject(new RangeError(`withTimeout: invalid timeout ${ms} ms`));
  }
  const outer = options.signal;
  if (outer?.aborted) return Promise.reject(abortReason(outer));

  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onOuterAbort = (): void => {
      cleanup();
      const reason = outer ? abortReason(outer) : undefined;
      controller.abort(reason);
      reject(reason);
    };
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    };

    if (ms <= MAX_TIMER_MS) {
      timer = setTimeout(() => {
        cleanup();
        const err = new TimeoutError(ms, options.message);
        controller.abort(err);
        reject(err);
      }, ms);
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });

    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(controller.signal));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}
