/**
 * Internal signal plumbing. `AbortSignal.any` would do, but linked signals created per call
 * should drop their listener on the parent as soon as the call settles; doing it by hand keeps
 * long-lived parent signals (a server's shutdown signal) from accumulating listeners.
 */

/** The reason an aborted signal (or `Cancellation`) carries, falling back to a standard AbortError. */
export function abortReason(signal: { readonly reason: unknown }): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A child controller aborted when `parent` aborts; `dispose()` detaches it from the parent. */
export interface LinkedController {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  dispose(): void;
}

/** Creates an AbortController that follows `parent` (if any) until disposed. */
export function linkedController(parent?: AbortSignal): LinkedController {
  const controller = new AbortController();
  if (!parent) return { controller, signal: controller.signal, dispose: () => undefined };
  if (parent.aborted) {
    controller.abort(abortReason(parent));
    return { controller, signal: controller.signal, dispose: () => undefined };
  }
  const onAbort = (): void => controller.abort(abortReason(parent));
  parent.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    signal: controller.signal,
    dispose: () => parent.removeEventListener('abort', onAbort),
  };
}
