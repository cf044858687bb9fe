import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError, StoreUnavailableError } from './errors.js';
import { BlockingPool, type BlockingPoolLimits } from './redis-blocking-pool.js';

class FakeConnection {
  closed = false;
  constructor(readonly id: number) {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function pool(limits: Partial<BlockingPoolLimits> = {}) {
  const created: FakeConnection[] = [];
  const blocking = new BlockingPool(
    () => {
      const connection = new FakeConnection(created.length);
      created.push(connection);
      return connection;
    },
    { maxConnections: 2, waitTimeoutMs: 1_000, ...limits },
  );
  /** Starts a use that holds its connection until the returned `finish` is called. */
  const hold = () => {
    const gate = deferred<string>();
    let got: FakeConnection | undefined;
    const result = blocking.use(async (connection) => {
      got = connection;
      return gate.promise;
    });
    // Tests settle these in any order; each is still awaited (and asserted) by the test.
    gate.promise.catch(() => undefined);
    result.catch(() => undefined);
    return { result, gate, connection: () => got };
  };
  return { blocking, created, hold };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BlockingPool', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never opens more than maxConnections, and a waiter gets the next released one', async () => {
    const { blocking, created, hold } = pool({ maxConnections: 2 });
    const a = hold();
    const b = hold();
    const c = hold();
    await flush();
    expect(created).toHaveLength(2);
    expect([blocking.size, blocking.waiting]).toEqual([2, 1]);
    expect(c.connection()).toBeUndefined();

    a.gate.resolve('a');
    await expect(a.result).resolves.toBe('a');
    await flush();
    expect(c.connection()).toBe(a.connection());
    expect(created).toHaveLength(2);
    expect(blocking.waiting).toBe(0);

    b.gate.resolve('b');
    c.gate.resolve('c');
    await expect(Promise.all([b.result, c.result])).resolves.toEqual(['b', 'c']);
    expect(blocking.size).toBe(2); // both idle, reused next time
    await blocking.close();
  });

  it('fails a wait longer than waitTimeoutMs with blocking_pool_exhausted, without running fn', async () => {
    vi.useFakeTimers();
    const { blocking, hold } = pool({ maxConnections: 1, waitTimeoutMs: 500 });
    const busy = hold();
    const fn = vi.fn(async () => 'never');
    const waiting = blocking.use(fn);
    const assertion = expect(waiting).rejects.toSatisfy(
      (err) => err instanceof StoreUnavailableError && err.reason === 'blocking_pool_exhausted',
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(blocking.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await assertion;
    expect(fn).not.toHaveBeenCalled();
    expect(blocking.waiting).toBe(0);
    busy.gate.resolve('done');
    await busy.result;
    expect(vi.getTimerCount()).toBe(0);
    await blocking.close();
  });

  it('replaces a connection dropped as unavailable with a new one for the next waiter', async () => {
    const { blocking, created, hold } = pool({ maxConnections: 1 });
    const broken = hold();
    const next = hold();
    await flush();
    broken.gate.reject(new StoreUnavailableError('disconnected'));
    await expect(broken.result).rejects.toMatchObject({ reason: 'disconnected' });
    await flush();
    expect(created[0]?.closed).toBe(true);
    expect(next.connection()).toBe(created[1]);
    expect(blocking.size).toBe(1);
    next.gate.resolve('ok');
    await expect(next.result).resolves.toBe('ok');
    await blocking.close();
  });

  it('keeps a connection whose command failed for another reason', async () => {
    const { blocking, created } = pool();
    await expect(
      blocking.use(async () => Promise.reject(new StoreError('no_group', 'no group'))),
    ).rejects.toBeInstanceOf(StoreError);
    await blocking.use(async () => 'again');
    expect(created).toHaveLength(1);
    expect(created[0]?.closed).toBe(false);
    await blocking.close();
  });

  it('close() fails waiters with closed and closes every open connection', async () => {
    const { blocking, created, hold } = pool({ maxConnections: 1 });
    const busy = hold();
    const waiting = blocking.use(async () => 'never');
    await flush();
    await blocking.close();
    await expect(waiting).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'closed' });
    expect(created.every((c) => c.closed)).toBe(true);
    await expect(blocking.use(async () => 'late')).rejects.toMatchObject({ reason: 'closed' });
    busy.gate.resolve('after close');
    await expect(busy.result).resolves.toBe('after close');
    expect(blocking.size).toBe(0);
  });

  it('property: under any mix of holds and releases, open ≤ max and every call finishes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ fail: fc.boolean(), order: fc.nat() }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (maxConnections, calls) => {
          const { blocking, created, hold } = pool({ maxConnections, waitTimeoutMs: 60_000 });
          let peak = 0;
          const held = calls.map(() => hold());
          const releaseOrder = calls
            .map((call, i) => ({ ...call, i }))
            .sort((x, y) => x.order - y.order);
          for (const { fail, i } of releaseOrder) {
            await flush();
            peak = Math.max(peak, blocking.size);
            const h = held[i];
            if (fail) h?.gate.reject(new StoreUnavailableError('disconnected'));
            else h?.gate.resolve('ok');
          }
          const settled = await Promise.allSettled(held.map((h) => h.result));
          expect(settled).toHaveLength(calls.length);
          expect(peak).toBeLessThanOrEqual(maxConnections);
          expect(created.filter((c) => !c.closed).length).toBeLessThanOrEqual(maxConnections);
          expect(blocking.waiting).toBe(0);
          await blocking.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});
