import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cancellation, linkedCancellation } from './cancellation.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('Cancellation', () => {
  it('aborts once, with the reason given, and tells each listener once in order', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    cancellation.onAbort((reason) => heard.push(`a:${String(reason)}`));
    cancellation.onAbort((reason) => heard.push(`b:${String(reason)}`));
    cancellation.onAbort((reason) => heard.push(`c:${String(reason)}`));
    expect(cancellation.aborted).toBe(false);
    expect(cancellation.reason).toBeUndefined();

    cancellation.abort('gone');
    cancellation.abort('again');
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe('gone');
    expect(heard).toEqual(['a:gone', 'b:gone', 'c:gone']);
    expect(cancellation.listenerCount).toBe(0);
    let thrown: unknown;
    try {
      cancellation.throwIfAborted();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBe('gone');
  });

  it('gives an AbortError as the reason when none is given, as AbortController does', () => {
    const cancellation = new Cancellation();
    cancellation.abort();
    expect(cancellation.reason).toBeInstanceOf(DOMException);
    expect(cancellation.reason).toMatchObject({ name: 'AbortError' });
    const controller = new AbortController();
    controller.abort();
    expect((cancellation.reason as DOMException).message).toBe(
      (controller.signal.reason as DOMException).message,
    );
  });

  it('does not call a listener added after the abort, nor one taken back before it', () => {
    const cancellation = new Cancellation();
    const kept = vi.fn();
    const takenBack = vi.fn();
    const alsoTakenBack = vi.fn();
    cancellation.onAbort(takenBack);
    cancellation.onAbort(kept);
    cancellation.onAbort(alsoTakenBack);
    cancellation.offAbort(takenBack);
    cancellation.offAbort(alsoTakenBack);
    cancellation.offAbort(vi.fn()); // never added: ignored
    expect(cancellation.listenerCount).toBe(1);
    cancellation.abort(new Error('stop'));
    const late = vi.fn();
    cancellation.onAbort(late);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(takenBack).not.toHaveBeenCalled();
    expect(alsoTakenBack).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });

  it('takes back its only listener', () => {
    const cancellation = new Cancellation();
    const listener = vi.fn();
    cancellation.onAbort(listener);
    expect(cancellation.listenerCount).toBe(1);
    cancellation.offAbort(listener);
    expect(cancellation.listenerCount).toBe(0);
    cancellation.abort();
    expect(listener).not.toHaveBeenCalled();
  });

  it('runs the other listeners when one throws, and reports the error on a later tick', () => {
    const reported: Array<() => void> = [];
    vi.spyOn(process, 'nextTick').mockImplementation(((callback: () => void) => {
      reported.push(callback);
    }) as typeof process.nextTick);
    const cancellation = new Cancellation();
    const after = vi.fn();
    cancellation.onAbort(() => {
      throw new Error('listener bug');
    });
    cancellation.onAbort(after);
    cancellation.abort();
    vi.restoreAllMocks();
    expect(after).toHaveBeenCalledTimes(1);
    expect(reported).toHaveLength(1);
    expect(() => reported[0]?.()).toThrow('listener bug');
  });

  it('makes no AbortSignal until one is asked for, then keeps it in step', () => {
    let made = 0;
    vi.stubGlobal(
      'AbortController',
      class extends AbortController {
        constructor() {
          super();
          made += 1;
        }
      },
    );
    const cancellation = new Cancellation();
    cancellation.onAbort(() => undefined);
    expect(made).toBe(0);

    const signal = cancellation.signal;
    expect(made).toBe(1);
    expect(cancellation.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error('client gone');
    cancellation.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const already = new Cancellation();
    already.abort('before');
    expect(already.signal.aborted).toBe(true);
    expect(already.signal.reason).toBe('before');
  });
});

describe('linkedCancellation', () => {
  it('follows a parent Cancellation until disposed', () => {
    const parent = new Cancellation();
    const first = linkedCancellation(parent);
    const second = linkedCancellation(parent);
    expect(parent.listenerCount).toBe(2);
    second.dispose();
    expect(parent.listenerCount).toBe(1);
    parent.abort('parent gone');
    expect(first.cancellation.reason).toBe('parent gone');
    expect(second.cancellation.aborted).toBe(false);
  });

  it('follows a parent AbortSignal, and leaves no listener on it once disposed', () => {
    const controller = new AbortController();
    const link = linkedCancellation(controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    link.dispose();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    const live = linkedCancellation(controller.signal);
    controller.abort('signal gone');
    expect(live.cancellation.reason).toBe('signal gone');
  });

  it('starts aborted when the parent already is, and stands alone without one', () => {
    const parent = new Cancellation();
    parent.abort('earlier');
    expect(linkedCancellation(parent).cancellation.reason).toBe('earlier');
    const alone = linkedCancellation();
    alone.dispose();
    alone.cancellation.abort('own');
    expect(alone.cancellation.reason).toBe('own');
  });

  it('aborting the child leaves the parent alone', () => {
    const parent = new Cancellation();
    const link = linkedCancellation(parent);
    link.cancellation.abort('timeout');
    expect(parent.aborted).toBe(false);
  });
});
