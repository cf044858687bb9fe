import { abortReason } from './abort.js';

/** A listener of {@link Cancellation}: gets the reason the call was aborted with. */
export type AbortListener = (reason: unknown) => void;

/**
 * One call's cancellation: aborted once, with a reason, and its listeners told. It does what the
 * hot path needs of an `AbortController` without making an `AbortSignal`: Node 20 builds each
 * signal as an `EventTarget` whose prototype it then sets, and V8 makes new hidden classes for
 * every one (about 1 KB per signal ends up in the old generation; ADR 0009). Code that hands the
 * call to a library that takes an `AbortSignal` (the SDK, undici's `request`, timers) reads
 * {@link Cancellation.signal}, which makes one on first use and keeps it in step.
 *
 * Where it differs from an `EventTarget`: a listener added twice runs twice; one taken back while
 * the abort is running its listeners still runs; and the lazy signal's own listeners run before
 * this object's. The gateway adds one listener per cancellation (the link of the next stage).
 */
export class Cancellation {
  /** Undefined until the abort, never after it (an absent reason becomes an `AbortError`). */
  #reason: unknown = undefined;
  /** One listener in the common case; an array only when there are more. */
  #listeners: AbortListener | AbortListener[] | undefined = undefined;
  #controller: AbortController | undefined = undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /** What the call was aborted with (an `AbortError` when no reason was given); undefined until then. */
  get reason(): unknown {
    return this.#reason;
  }

  /** How many listeners are waiting for the abort (what tests check is back to 0). */
  get listenerCount(): number {
    const listeners = this.#listeners;
    if (listeners === undefined) return 0;
    return typeof listeners === 'function' ? 1 : listeners.length;
  }

  /** An `AbortSignal` that aborts with this cancellation, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.aborted) controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Throws the reason once aborted. */
  throwIfAborted(): void {
    if (this.aborted) throw this.#reason;
  }

  /**
   * Aborts once; later calls change nothing. Listeners run in the order they were added, each
   * once, and are dropped. One that throws does not stop the others: its error is rethrown on
   * a later tick, as an `EventTarget` reports a throwing listener.
   */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.#reason =
      reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    this.#controller?.abort(this.#reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (typeof listeners === 'function') run(listeners, this.#reason);
    else if (listeners) for (const listener of listeners) run(listener, this.#reason);
  }

  /** Calls `listener` at the abort (never when already aborted: check {@link aborted} first). */
  onAbort(listener: AbortListener): void {
    if (this.aborted) return;
    const listeners = this.#listeners;
    if (listeners === undefined) this.#listeners = listener;
    else if (typeof listeners === 'function') this.#listeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** Removes one registration of `listener`; unknown listeners are ignored. */
  offAbort(listener: AbortListener): void {
    const listeners = this.#listeners;
    if (listeners === listener) this.#listeners = undefined;
    else if (Array.isArray(listeners)) {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    }
  }
}

function run(listener: AbortListener, reason: unknown): void {
  try {
    listener(reason);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

/** A cancellation that also aborts when `parent` does, until disposed. */
export interface LinkedCancellation {
  readonly cancellation: Cancellation;
  /** Detaches from the parent (call it once the call settles). */
  dispose(): void;
}

const detached = (): void => undefined;

/** Creates a {@link Cancellation} that follows `parent` (a cancellation or a signal), if any. */
export function linkedCancellation(parent?: Cancellation | AbortSignal): LinkedCancellation {
  const cancellation = new Cancellation();
  if (!parent) return { cancellation, dispose: detached };
  if (parent.aborted) {
    cancellation.abort(abortReason(parent));
    return { cancellation, dispose: detached };
  }
  // Node's AbortSignal is one global class; a Cancellation could come from a second copy of this module.
  if (parent instanceof AbortSignal) {
    const follow = (): void => cancellation.abort(abortReason(parent));
    parent.addEventListener('abort', follow, { once: true });
    return { cancellation, dispose: () => parent.removeEventListener('abort', follow) };
  }
  const follow: AbortListener = () => cancellation.abort(abortReason(parent));
  parent.onAbort(follow);
  return { cancellation, dispose: () => parent.offAbort(follow) };
}
