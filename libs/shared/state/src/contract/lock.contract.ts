import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StoreWaitTimeoutError } from '../errors.js';
import { singleFlightKeys } from '../single-flight.js';
import { expectStoreError, type Stores } from './harness.js';

/** Locks and single-flight, in-process and across store instances. */
export function describeLockContract(stores: Stores): void {
  describe('locks', () => {
    it('is exclusive until released by its owner', async () => {
      const a = stores.open();
      const b = stores.open();
      const lock = await a.acquireLock('l', 5_000);
      expect(lock).not.toBeNull();
      expect(lock?.key).toBe('l');
      expect(await b.acquireLock('l', 5_000)).toBeNull();
      expect(await lock?.release()).toBe(true);
      expect(await lock?.release()).toBe(false);
      expect(await b.acquireLock('l', 5_000)).not.toBeNull();
    });

    it('expires, and the expired owner can neither release nor extend the new owner’s lock', async () => {
      const a = stores.open();
      const b = stores.open();
      const old = await a.acquireLock('l', 50);
      await sleep(100);
      const current = await b.acquireLock('l', 5_000);
      expect(current).not.toBeNull();
      expect(await old?.release()).toBe(false);
      expect(await old?.extend(5_000)).toBe(false);
      expect(await a.acquireLock('l', 5_000)).toBeNull();
      expect(await current?.release()).toBe(true);
    });

    it('extend() resets the TTL of a held lock', async () => {
      const store = stores.open();
      const lock = await store.acquireLock('l', 2_000);
      expect(await lock?.extend(10_000)).toBe(true);
      expect(await store.ttlMs('l')).toBeGreaterThan(5_000);
      await expectStoreError(
        lock?.extend(0) ?? Promise.resolve(),
        'STORE_ERROR',
        'invalid_argument',
      );
    });
  });

  describe('single flight', () => {
    it('runs fn once for 50 concurrent callers in one process', async () => {
      const store = stores.open();
      let runs = 0;
      const fn = async () => {
        runs++;
        await sleep(50);
        return { token: 'abc', n: runs };
      };
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.singleFlight('sf', fn)),
      );
      expect(runs).toBe(1);
      expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(
        new Set([JSON.stringify({ token: 'abc', n: 1 })]),
      );
    });

    it('runs fn once across two store instances; the other reuses the JSON result', async () => {
      const a = stores.open();
      const b = stores.open();
      let runs = 0;
      const fn = async () => {
        runs++;
        await sleep(150);
        return { token: 'shared' };
      };
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => a.singleFlight('x', fn)),
        ...Array.from({ length: 10 }, () => b.singleFlight('x', fn)),
      ]);
      expect(runs).toBe(1);
      expect(results.every((r) => r.token === 'shared')).toBe(true);
    });

    it('takes over when the lock winner dies (its lock expires)', async () => {
      const dead = stores.open();
      const survivor = stores.open();
      // 300 ms of the 600 ms lock may pass before `started` is read, and it still counts.
      await dead.acquireLock(singleFlightKeys('w').lock, 600);
      const started = Date.now();
      const value = await survivor.singleFlight('w', async () => 'mine', {
        lockTtlMs: 1_000,
        waitTimeoutMs: 3_000,
      });
      expect(value).toBe('mine');
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    });

    it('gives up waiting after waitTimeoutMs with StoreWaitTimeoutError', async () => {
      const stuck = stores.open();
      const waiter = stores.open();
      await stuck.acquireLock(singleFlightKeys('t').lock, 10_000);
      let runs = 0;
      const started = Date.now();
      const err = await waiter
        .singleFlight('t', async () => ++runs, { waitTimeoutMs: 150 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreWaitTimeoutError);
      expect(err).toMatchObject({ code: 'STORE_WAIT_TIMEOUT' });
      expect(runs).toBe(0);
      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('shares a failure with concurrent callers, releases the lock and does not cache it', async () => {
      const store = stores.open();
      let runs = 0;
      const failing = async (): Promise<string> => {
        runs++;
        await sleep(20);
        throw new Error('upstream down');
      };
      const settled = await Promise.allSettled(
        Array.from({ length: 5 }, () => store.singleFlight('f', failing)),
      );
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
      expect(runs).toBe(1);
      expect(await store.get(singleFlightKeys('f').lock)).toBeNull();
      expect(await store.singleFlight('f', async () => 'recovered')).toBe('recovered');
    });

    it('reuses a result published within resultTtlMs, then runs fn again', async () => {
      const store = stores.open();
      let runs = 0;
      const fn = async () => ++runs;
      const options = { resultTtlMs: 1_000 };
      expect(await store.singleFlight('r', fn, options)).toBe(1);
      expect(await store.singleFlight('r', fn, options)).toBe(1);
      await sleep(options.resultTtlMs + 100);
      expect(await store.singleFlight('r', fn, options)).toBe(2);
    });
  });
}
