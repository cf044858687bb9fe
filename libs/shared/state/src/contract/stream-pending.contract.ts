import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { StateStore } from '../state-store.js';
import { expectStoreError, type Stores } from './harness.js';

const ids = (entries: Array<{ id: string }>) => entries.map((e) => e.id);

/** Appends `n` entries `{ n: '1' }`, `{ n: '2' }`, … and returns their ids. */
async function appendNumbered(store: StateStore, stream: string, n: number): Promise<string[]> {
  const fields = Array.from({ length: n }, (_, i) => ({ n: String(i + 1) }));
  return store.streamAppendMany(stream, fields);
}

/** streamReadPending: a consumer re-reading its own delivered, unacknowledged entries. */
export function describeStreamPendingContract(stores: Stores): void {
  describe('stream pending re-read', () => {
    it("returns the consumer's own pending entries in id order, not acked or other consumers' ones", async () => {
      const store = stores.open();
      await store.streamEnsureGroup('s', 'g');
      const appended = await appendNumbered(store, 's', 6);
      const mine = await store.streamReadGroup('s', 'g', 'c1', { count: 2 });
      expect(ids(mine)).toEqual(appended.slice(0, 2));
      const theirs = await store.streamReadGroup('s', 'g', 'c2', { count: 1 });
      const later = await store.streamReadGroup('s', 'g', 'c1', { count: 3 });
      expect(ids(theirs)).toEqual([appended[2]]);
      await store.streamAck('s', 'g', [appended[3] as string]);

      const pending = await store.streamReadPending('s', 'g', 'c1');
      expect(ids(pending)).toEqual([appended[0], appended[1], appended[4], appended[5]]);
      expect(pending[0]?.fields).toEqual({ n: '1' });
      expect(pending[3]?.fields).toEqual({ n: '6' });
      expect(ids(later)).toEqual(appended.slice(3));
      expect(ids(await store.streamReadPending('s', 'g', 'c2'))).toEqual([appended[2]]);
      // Reading history delivers nothing new and acknowledges nothing.
      expect(await store.streamReadGroup('s', 'g', 'c1')).toEqual([]);
      expect(await store.streamPendingCount('s', 'g')).toBe(5);
      expect(await store.streamReadPending('s', 'g', 'unknown')).toEqual([]);
    });

    it('honours count and pages with after', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('s', 'g');
      const appended = await appendNumbered(store, 's', 5);
      await store.streamReadGroup('s', 'g', 'c', { count: 10 });
      const first = await store.streamReadPending('s', 'g', 'c', { count: 2 });
      expect(ids(first)).toEqual(appended.slice(0, 2));
      const second = await store.streamReadPending('s', 'g', 'c', {
        count: 2,
        after: first[1]?.id as string,
      });
      expect(ids(second)).toEqual(appended.slice(2, 4));
      const rest = await store.streamReadPending('s', 'g', 'c', { after: second[1]?.id as string });
      expect(ids(rest)).toEqual(appended.slice(4));
      expect(
        await store.streamReadPending('s', 'g', 'c', { after: appended[4] as string }),
      ).toEqual([]);
      expect(ids(await store.streamReadPending('s', 'g', 'c', { after: '0-0' }))).toEqual(appended);
      await store.streamAck('s', 'g', appended);
      expect(await store.streamReadPending('s', 'g', 'c')).toEqual([]);
    });

    it('drops an entry trimmed while pending from the pending list, without counting it', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('s', 'g');
      const [gone1, gone2] = await appendNumbered(store, 's', 2);
      await store.streamReadGroup('s', 'g', 'c', { count: 2 });
      // Far past the cap, so both stores (Redis trims whole nodes) have dropped the first two.
      const fill = Array.from({ length: 400 }, (_, i) => ({ fill: String(i) }));
      await store.streamAppendMany('s', fill, { maxLenApprox: 10 });
      const [live] = await store.streamReadGroup('s', 'g', 'c', { count: 1 });
      expect(live?.fields['fill']).toBeDefined();
      expect(await store.streamPendingCount('s', 'g')).toBe(3);

      const read = await store.streamReadPending('s', 'g', 'c', { count: 1 });
      expect(ids(read)).toEqual([live?.id]);
      expect(await store.streamPendingCount('s', 'g')).toBe(1);
      expect(await store.streamAck('s', 'g', [gone1 as string, gone2 as string])).toBe(0);
      expect(ids(await store.streamReadPending('s', 'g', 'c'))).toEqual([live?.id]);
    });

    it('restarts the idle time of what it returns, so the idle claim leaves it to its consumer', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('s', 'g');
      const [a, b] = await appendNumbered(store, 's', 2);
      await store.streamReadGroup('s', 'g', 'c1', { count: 2 });
      const minIdleMs = 500;
      await sleep(minIdleMs + 100);
      expect(ids(await store.streamReadPending('s', 'g', 'c1', { count: 1 }))).toEqual([a]);
      // Only the entry not re-read is idle long enough to be taken over.
      const claimed = await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs });
      expect(ids(claimed)).toEqual([b]);
      expect(ids(await store.streamReadPending('s', 'g', 'c1'))).toEqual([a]);
      expect(ids(await store.streamReadPending('s', 'g', 'c2'))).toEqual([b]);
    });

    it('rejects a missing group or stream, a bad count and a malformed after', async () => {
      const store = stores.open();
      await expectStoreError(
        store.streamReadPending('nostream', 'g', 'c'),
        'STORE_ERROR',
        'no_group',
      );
      await store.streamEnsureGroup('s', 'g');
      await expectStoreError(
        store.streamReadPending('s', 'nogroup', 'c'),
        'STORE_ERROR',
        'no_group',
      );
      for (const count of [0, -1, 1.5])
        await expectStoreError(
          store.streamReadPending('s', 'g', 'c', { count }),
          'STORE_ERROR',
          'invalid_argument',
        );
      // Both parts of an id are unsigned 64-bit integers: one past 2^64 - 1 is malformed too.
      const tooBig = ['18446744073709551616-0', '0-18446744073709551616', '99999999999999999999-1'];
      for (const after of ['', '0', '>', 'x-1', '1-2-3', ...tooBig])
        await expectStoreError(
          store.streamReadPending('s', 'g', 'c', { after }),
          'STORE_ERROR',
          'invalid_argument',
        );
      await store.streamAppend('s', { n: '1' });
      await store.streamReadGroup('s', 'g', 'c');
      const largest = '18446744073709551615-18446744073709551615';
      expect(await store.streamReadPending('s', 'g', 'c', { after: largest })).toEqual([]);
      await store.set('str', 'v');
      await expectStoreError(store.streamReadPending('str', 'g', 'c'), 'STORE_ERROR', 'wrong_type');
    });
  });
}
