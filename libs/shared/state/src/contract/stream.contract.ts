import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { expectStoreError, type Stores } from './harness.js';

const ids = (entries: Array<{ id: string }>) => entries.map((e) => e.id);

/** Outbox streams with consumer groups. */
export function describeStreamContract(stores: Stores): void {
  describe('streams', () => {
    it('appends entries with increasing ids and counts them', async () => {
      const store = stores.open();
      expect(await store.streamLength('s')).toBe(0);
      const first = await store.streamAppend('s', { event: 'a' });
      const second = await store.streamAppend('s', { event: 'b' });
      expect(first).toMatch(/^\d+-\d+$/);
      const [ms1, seq1] = first.split('-').map(Number) as [number, number];
      const [ms2, seq2] = second.split('-').map(Number) as [number, number];
      expect(ms2 > ms1 || (ms2 === ms1 && seq2 > seq1)).toBe(true);
      expect(await store.streamLength('s')).toBe(2);
    });

    it('ensureGroup is idempotent, creates the stream and starts at its beginning', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('fresh', 'g');
      await store.streamEnsureGroup('fresh', 'g');
      expect(await store.streamLength('fresh')).toBe(0);
      await store.streamAppend('backlog', { n: '1' });
      await store.streamEnsureGroup('backlog', 'late');
      const read = await store.streamReadGroup('backlog', 'late', 'c1');
      expect(read.map((e) => e.fields)).toEqual([{ n: '1' }]);
    });

    it('delivers each entry to one consumer, keeps it pending until acked', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('out', 'shipper');
      const appended = [];
      for (const n of ['1', '2', '3'])
        appended.push(await store.streamAppend('out', { n, kind: 'audit' }));
      const c1 = await store.streamReadGroup('out', 'shipper', 'c1', { count: 2 });
      const c2 = await store.streamReadGroup('out', 'shipper', 'c2', { count: 10 });
      expect(ids(c1)).toEqual(appended.slice(0, 2));
      expect(c1[0]?.fields).toEqual({ n: '1', kind: 'audit' });
      expect(ids(c2)).toEqual(appended.slice(2));
      expect(await store.streamReadGroup('out', 'shipper', 'c1')).toEqual([]);
      expect(await store.streamPendingCount('out', 'shipper')).toBe(3);
      expect(await store.streamAck('out', 'shipper', ids(c1))).toBe(2);
      expect(await store.streamAck('out', 'shipper', ids(c1))).toBe(0);
      expect(await store.streamAck('out', 'shipper', [])).toBe(0);
      expect(await store.streamPendingCount('out', 'shipper')).toBe(1);
    });

    it('gives every group its own copy of the stream', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('fan', 'a');
      await store.streamEnsureGroup('fan', 'b');
      await store.streamAppend('fan', { x: '1' });
      expect(await store.streamReadGroup('fan', 'a', 'c')).toHaveLength(1);
      expect(await store.streamReadGroup('fan', 'b', 'c')).toHaveLength(1);
    });

    it('blocks until an entry arrives from another store instance, bounded by blockMs', async () => {
      const reader = stores.open();
      const writer = stores.open();
      await reader.streamEnsureGroup('live', 'g');
      const started = Date.now();
      const blockMs = 5_000;
      const pending = reader.streamReadGroup('live', 'g', 'c', { blockMs });
      await sleep(50);
      await writer.streamAppend('live', { hello: 'world' });
      const read = await pending;
      expect(read.map((e) => e.fields)).toEqual([{ hello: 'world' }]);
      expect(Date.now() - started).toBeLessThan(blockMs - 1_000);
      // The blocked read must not have stalled other commands of the same instance.
      expect(await reader.get('unrelated')).toBeNull();
    });

    it('does not stall other commands while blocked, and returns [] after blockMs', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('quiet', 'g');
      const started = Date.now();
      let readDone = false;
      const blocked = store
        .streamReadGroup('quiet', 'g', 'c', { blockMs: 1_000 })
        .finally(() => (readDone = true));
      await sleep(50);
      const t0 = Date.now();
      await store.set('k', 'v');
      // A command queued behind the blocked read would finish with it, ~950 ms from now.
      expect(readDone).toBe(false);
      expect(Date.now() - t0).toBeLessThan(500);
      expect(await blocked).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('lets a live consumer claim the idle entries of a dead one', async () => {
      const store = stores.open();
      await store.streamEnsureGroup('work', 'g');
      await store.streamAppend('work', { job: '1' });
      await store.streamAppend('work', { job: '2' });
      const taken = await store.streamReadGroup('work', 'g', 'dead');
      expect(taken).toHaveLength(2);
      expect(await store.streamClaimIdle('work', 'g', 'alive', { minIdleMs: 5_000 })).toEqual([]);
      const minIdleMs = 500;
      await sleep(minIdleMs + 100);
      const claimed = await store.streamClaimIdle('work', 'g', 'alive', { minIdleMs, count: 10 });
      expect(ids(claimed)).toEqual(ids(taken));
      expect(claimed.map((e) => e.fields)).toEqual([{ job: '1' }, { job: '2' }]);
      // Claimed entries are fresh again for the new owner (though idle longer than minIdleMs before).
      expect(await store.streamClaimIdle('work', 'g', 'other', { minIdleMs })).toEqual([]);
      expect(await store.streamPendingCount('work', 'g')).toBe(2);
      await store.streamAck('work', 'g', ids(claimed));
      expect(await store.streamPendingCount('work', 'g')).toBe(0);
    });

    it('trims to about maxLenApprox entries', async () => {
      const store = stores.open();
      for (let i = 0; i < 400; i++)
        await store.streamAppend('capped', { i: String(i) }, { maxLenApprox: 10 });
      const length = await store.streamLength('capped');
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(400);
    });

    it('trims only what every group has acknowledged, never a pending entry or anything after it', async () => {
      const store = stores.open();
      expect(await store.streamTrimAcked('missing')).toBe(0);
      await store.streamAppend('ungrouped', { n: '1' });
      expect(await store.streamTrimAcked('ungrouped')).toBe(0);
      expect(await store.streamLength('ungrouped')).toBe(1);

      await store.streamEnsureGroup('acked', 'fast');
      await store.streamEnsureGroup('acked', 'slow');
      const appended = [];
      for (const n of ['1', '2', '3', '4', '5'])
        appended.push(await store.streamAppend('acked', { n }));
      // "fast" reads and acks the first three; "slow" has read none yet: nothing can go.
      const fast = await store.streamReadGroup('acked', 'fast', 'c', { count: 3 });
      await store.streamAck('acked', 'fast', ids(fast));
      expect(await store.streamTrimAcked('acked')).toBe(0);
      // "slow" reads four, acks 1, 2 and 4: entry 3 is still pending there.
      const slow = await store.streamReadGroup('acked', 'slow', 'c', { count: 4 });
      await store.streamAck('acked', 'slow', [appended[0], appended[1], appended[3]] as string[]);
      expect(await store.streamTrimAcked('acked')).toBe(2);
      expect(await store.streamLength('acked')).toBe(3);
      expect(await store.streamTrimAcked('acked')).toBe(0);
      // The pending entry can still be claimed (a dead consumer's, say), with its fields.
      const claimed = await store.streamClaimIdle('acked', 'slow', 'other', { minIdleMs: 0 });
      expect(claimed.map((e) => [e.id, e.fields])).toEqual([[appended[2], { n: '3' }]]);
      expect(slow).toHaveLength(4);
      // Everyone acks what it has: "fast" is behind at entry 4, so entries 4 and 5 stay.
      await store.streamAck('acked', 'slow', [appended[2]] as string[]);
      expect(await store.streamTrimAcked('acked')).toBe(1);
      const rest = await store.streamReadGroup('acked', 'fast', 'c', { count: 10 });
      expect(rest.map((e) => e.fields)).toEqual([{ n: '4' }, { n: '5' }]);
      await store.streamAck('acked', 'fast', ids(rest));
      // "slow" has not read entry 5 yet.
      expect(await store.streamTrimAcked('acked')).toBe(1);
      expect(await store.streamLength('acked')).toBe(1);
      expect((await store.streamReadGroup('acked', 'slow', 'c')).map((e) => e.fields)).toEqual([
        { n: '5' },
      ]);
    });

    it('rejects a missing group, empty entries and malformed ids', async () => {
      const store = stores.open();
      await expectStoreError(
        store.streamReadGroup('nostream', 'g', 'c'),
        'STORE_ERROR',
        'no_group',
      );
      await store.streamAppend('s', { a: '1' });
      await expectStoreError(store.streamReadGroup('s', 'nogroup', 'c'), 'STORE_ERROR', 'no_group');
      await expectStoreError(store.streamPendingCount('s', 'nogroup'), 'STORE_ERROR', 'no_group');
      await expectStoreError(
        store.streamClaimIdle('s', 'nogroup', 'c', { minIdleMs: 0 }),
        'STORE_ERROR',
        'no_group',
      );
      await expectStoreError(store.streamAppend('s', {}), 'STORE_ERROR', 'invalid_argument');
      for (const bad of ['not-an-id', '18446744073709551616-0', '1-18446744073709551616'])
        await expectStoreError(
          store.streamAck('s', 'g', ['1-1', bad]),
          'STORE_ERROR',
          'invalid_argument',
        );
      expect(await store.streamAck('s', 'g', ['18446744073709551615-18446744073709551615'])).toBe(
        0,
      );
      await store.set('str', 'v');
      await expectStoreError(store.streamAppend('str', { a: '1' }), 'STORE_ERROR', 'wrong_type');
    });
  });
}
