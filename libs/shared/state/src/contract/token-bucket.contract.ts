import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Stores } from './harness.js';

/** takeTokens: exactness under concurrency, refill over time, expiry when full. */
export function describeTokenBucketContract(stores: Stores): void {
  describe('token bucket', () => {
    it('admits exactly capacity without refill, then reports never', async () => {
      const store = stores.open();
      const bucket = { capacity: 3, refillPerSecond: 0 };
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.takeTokens('b', bucket));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[0]).toMatchObject({ retryAfterMs: 0, resetMs: Infinity });
      expect(results[3]).toMatchObject({ retryAfterMs: Infinity, resetMs: Infinity });
    });

    it('never over-admits: 200 concurrent takes against capacity 50 → exactly 50', async () => {
      const store = stores.open();
      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          store.takeTokens('hot', { capacity: 50, refillPerSecond: 0 }),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
    });

    it('never over-admits across two store instances (two processes)', async () => {
      const a = stores.open();
      const b = stores.open();
      const take = (store: typeof a) =>
        store.takeTokens('shared', { capacity: 50, refillPerSecond: 0 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => take(i % 2 === 0 ? a : b)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
    });

    it('refills over time and tells when to retry', async () => {
      const store = stores.open();
      // One token per 500 ms: the three takes below must land within that window.
      const bucket = { capacity: 2, refillPerSecond: 2 };
      await store.takeTokens('r', bucket);
      await store.takeTokens('r', bucket);
      const denied = await store.takeTokens('r', bucket);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(500);
      expect(denied.resetMs).toBeGreaterThan(denied.retryAfterMs);
      expect(denied.resetMs).toBeLessThanOrEqual(1_000);
      await sleep(denied.retryAfterMs + 20);
      expect((await store.takeTokens('r', bucket)).allowed).toBe(true);
    });

    it('takes `cost` tokens; a cost above capacity is never admitted', async () => {
      const store = stores.open();
      const first = await store.takeTokens('c', { capacity: 10, refillPerSecond: 1, cost: 7 });
      expect(first).toMatchObject({ allowed: true, remaining: 3 });
      const second = await store.takeTokens('c', { capacity: 10, refillPerSecond: 1, cost: 7 });
      expect(second.allowed).toBe(false);
      expect(second.retryAfterMs).toBeGreaterThan(3_000);
      expect(second.retryAfterMs).toBeLessThanOrEqual(4_000);
      const huge = await store.takeTokens('c', { capacity: 10, refillPerSecond: 1, cost: 11 });
      expect(huge).toMatchObject({ allowed: false, retryAfterMs: Infinity });
    });

    it('stores the bucket with a TTL until full, and drops it once full', async () => {
      const store = stores.open();
      const bucket = { capacity: 3, refillPerSecond: 1 }; // full again 1 s after one take
      const taken = await store.takeTokens('e', bucket);
      expect(taken.resetMs).toBeGreaterThan(0);
      expect(taken.resetMs).toBeLessThanOrEqual(1_000);
      const ttl = await store.ttlMs('e');
      expect(ttl).not.toBeNull();
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
      await sleep(taken.resetMs + 100);
      expect(await store.ttlMs('e')).toBeNull();
      // A free peek at a full bucket stores nothing.
      expect(await store.takeTokens('e', { ...bucket, cost: 0 })).toMatchObject({
        allowed: true,
        remaining: 3,
        resetMs: 0,
      });
      expect(await store.ttlMs('e')).toBeNull();
    });

    it('rejects invalid bucket parameters and non-hash keys', async () => {
      const store = stores.open();
      await expectStoreError(
        store.takeTokens('x', { capacity: 0, refillPerSecond: 1 }),
        'STORE_ERROR',
        'invalid_argument',
      );
      await expectStoreError(
        store.takeTokens('x', { capacity: 1, refillPerSecond: -1 }),
        'STORE_ERROR',
        'invalid_argument',
      );
      await expectStoreError(
        store.takeTokens('x', { capacity: 1, refillPerSecond: 1, cost: Number.NaN }),
        'STORE_ERROR',
        'invalid_argument',
      );
      await store.set('str', 'v');
      await expectStoreError(
        store.takeTokens('str', { capacity: 1, refillPerSecond: 1 }),
        'STORE_ERROR',
        'wrong_type',
      );
    });
  });
}
