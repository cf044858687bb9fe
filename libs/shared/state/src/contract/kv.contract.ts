import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { expectStoreError, PAST_SHORT_TTL_MS, SHORT_TTL_MS, type Stores } from './harness.js';

/** Strings, TTLs, counters, hashes, key prefixes, error kinds. */
export function describeKeyValueContract(stores: Stores): void {
  describe('keys and values', () => {
    it('gets, sets, overwrites and deletes strings', async () => {
      const store = stores.open();
      expect(await store.get('k')).toBeNull();
      expect(await store.set('k', 'v1')).toBe(true);
      expect(await store.get('k')).toBe('v1');
      expect(await store.set('k', 'v2')).toBe(true);
      expect(await store.get('k')).toBe('v2');
      expect(await store.delete('k')).toBe(true);
      expect(await store.delete('k')).toBe(false);
      expect(await store.get('k')).toBeNull();
    });

    it('expires keys after ttlMs and reports the remaining TTL', async () => {
      const store = stores.open();
      await store.set('short', 'v', { ttlMs: SHORT_TTL_MS });
      const ttl = await store.ttlMs('short');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(SHORT_TTL_MS);
      expect(await store.get('short')).toBe('v');
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('short')).toBeNull();
      expect(await store.ttlMs('short')).toBeNull();
    });

    it('reports Infinity for a key without TTL, and a plain set clears an old TTL', async () => {
      const store = stores.open();
      await store.set('k', 'v', { ttlMs: 60_000 });
      expect(await store.ttlMs('k')).toBeLessThanOrEqual(60_000);
      await store.set('k', 'v');
      expect(await store.ttlMs('k')).toBe(Infinity);
    });

    it('sets onlyIfAbsent only when the key is missing or expired', async () => {
      const store = stores.open();
      const ttlMs = SHORT_TTL_MS;
      expect(await store.set('once', 'first', { onlyIfAbsent: true, ttlMs })).toBe(true);
      expect(await store.set('once', 'second', { onlyIfAbsent: true })).toBe(false);
      expect(await store.get('once')).toBe('first');
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.set('once', 'third', { onlyIfAbsent: true })).toBe(true);
      expect(await store.get('once')).toBe('third');
    });

    it('expire() sets a TTL on existing keys only', async () => {
      const store = stores.open();
      expect(await store.expire('missing', 1_000)).toBe(false);
      await store.set('k', 'v');
      expect(await store.expire('k', SHORT_TTL_MS)).toBe(true);
      const ttl = await store.ttlMs('k');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(SHORT_TTL_MS);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('k')).toBeNull();
    });

    it('incrBy counts from 0 and sets the TTL only when it creates the key', async () => {
      const store = stores.open();
      expect(await store.incrBy('n', 5, { ttlMs: 1_000 })).toBe(5);
      expect(await store.incrBy('n', -2, { ttlMs: 60_000 })).toBe(3);
      const ttl = await store.ttlMs('n');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
      expect(await store.incrBy('plain', 1)).toBe(1);
      expect(await store.ttlMs('plain')).toBe(Infinity);
    });

    it('incrBy starts over once the windowed counter expired', async () => {
      const store = stores.open();
      const window = { ttlMs: SHORT_TTL_MS };
      await store.incrBy('window', 1, window);
      expect(await store.incrBy('window', 1, window)).toBe(2);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.incrBy('window', 1, window)).toBe(1);
    });

    it('hashIncrBy accumulates fields; hashGetAll returns them; the hash can expire', async () => {
      const store = stores.open();
      expect(await store.hashGetAll('agg')).toEqual({});
      expect(await store.hashIncrBy('agg', 'ok', 2)).toBe(2);
      expect(await store.hashIncrBy('agg', 'ok', 3)).toBe(5);
      expect(await store.hashIncrBy('agg', 'err', 1)).toBe(1);
      expect(await store.hashGetAll('agg')).toEqual({ ok: '5', err: '1' });
      expect(await store.expire('agg', SHORT_TTL_MS)).toBe(true);
      expect(await store.hashGetAll('agg')).toEqual({ ok: '5', err: '1' });
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.hashGetAll('agg')).toEqual({});
    });

    it('keeps prefixes apart: same prefix shares keys, another prefix does not see them', async () => {
      const a = stores.open();
      const sameService = stores.open();
      const otherService = stores.open(`${stores.prefix}other:`);
      await a.set('shared', 'x');
      expect(await sameService.get('shared')).toBe('x');
      expect(await otherService.get('shared')).toBeNull();
    });

    it('rejects type mismatches and non-integer counters with StoreError', async () => {
      const store = stores.open();
      await store.hashIncrBy('h', 'f', 1);
      await expectStoreError(store.get('h'), 'STORE_ERROR', 'wrong_type');
      await store.set('s', 'abc');
      await expectStoreError(store.incrBy('s', 1), 'STORE_ERROR', 'not_integer');
      await expectStoreError(store.hashGetAll('s'), 'STORE_ERROR', 'wrong_type');
    });

    it('rejects invalid arguments the same way in every implementation', async () => {
      const store = stores.open();
      await expectStoreError(store.set('k', 'v', { ttlMs: 0 }), 'STORE_ERROR', 'invalid_argument');
      await expectStoreError(
        store.set('k', 'v', { ttlMs: 1.5 }),
        'STORE_ERROR',
        'invalid_argument',
      );
      await expectStoreError(store.incrBy('k', 0.5), 'STORE_ERROR', 'invalid_argument');
      await expectStoreError(store.expire('k', -1), 'STORE_ERROR', 'invalid_argument');
    });

    it('answers ping, and after close() rejects with StoreUnavailableError (closed)', async () => {
      const store = stores.open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expectStoreError(store.get('k'), 'STORE_UNAVAILABLE', 'closed');
      await expectStoreError(store.ping(), 'STORE_UNAVAILABLE', 'closed');
      await store.close(); // idempotent
    });
  });
}
