import { describe, expect, it } from 'vitest';
import { expectStoreError, type Stores } from './harness.js';

/** streamAppendMany: order, ids, trimming, atomicity, validation. */
export function describeStreamBatchContract(stores: Stores): void {
  describe('stream batch append', () => {
    it('appends entries in order and returns their ids', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('s', 'g');
      const before = await store.streamAppend('s', { n: 'first' });
      const entries = Array.from({ length: 10 }, (_, i) => ({ n: String(i), kind: 'audit' }));
      const ids = await store.streamAppendMany('s', entries);
      expect(ids).toHaveLength(10);
      const read = await store.streamReadGroup('s', 'g', 'c', { count: 100 });
      expect(read.map((e) => e.id)).toEqual([before, ...ids]);
      expect(read.slice(1).map((e) => e.fields)).toEqual(entries);
    });

    it('resolves [] for no entries without contacting the store', async () => {
      const store = stores.open();
      expect(await store.streamAppendMany('s', [])).toEqual([]);
      expect(await store.streamLength('s')).toBe(0);
      await store.close();
      expect(await store.streamAppendMany('s', [])).toEqual([]);
    });

    it('keeps each batch contiguous when two instances append at once', async () => {
      const a = stores.open();
      const b = stores.open();
      const batch = (who: string, n: number) =>
        Array.from({ length: 5 }, (_, i) => ({ who, batch: String(n), i: String(i) }));
      const batches = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          (n % 2 === 0 ? a : b).streamAppendMany('s', batch(n % 2 === 0 ? 'a' : 'b', n)),
        ),
      );
      await a.streamEnsureGroup('s', 'g');
      const all = (await a.streamReadGroup('s', 'g', 'c', { count: 1_000 })).map((e) => e.id);
      expect(all).toHaveLength(100);
      for (const ids of batches) {
        const start = all.indexOf(ids[0] ?? '');
        expect(all.slice(start, start + 5)).toEqual(ids);
      }
    });

    it('trims to about maxLenApprox entries', async () => {
      const store = stores.open();
      for (let round = 0; round < 40; round++) {
        const entries = Array.from({ length: 10 }, (_, i) => ({ i: String(round * 10 + i) }));
        await store.streamAppendMany('capped', entries, { maxLenApprox: 10 });
      }
      const length = await store.streamLength('capped');
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(400);
    });

    it('rejects bad entries, options and keys without appending any entry', async () => {
      const store = stores.open();
      await expectStoreError(
        store.streamAppendMany('s', [{ a: '1' }, {}]),
        'STORE_ERROR',
        'invalid_argument',
      );
      await expectStoreError(
        store.streamAppendMany('s', [{ a: '1' }], { maxLenApprox: 0 }),
        'STORE_ERROR',
        'invalid_argument',
      );
      expect(await store.streamLength('s')).toBe(0);
      await store.set('str', 'v');
      await expectStoreError(
        store.streamAppendMany('str', [{ a: '1' }, { b: '2' }]),
        'STORE_ERROR',
        'wrong_type',
      );
      expect(await store.get('str')).toBe('v');
    });
  });
}
