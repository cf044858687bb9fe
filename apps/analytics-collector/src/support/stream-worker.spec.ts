import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, StoreUnavailableError, type StreamEntry } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { StreamWorker } from './stream-worker.js';
import type { StreamWorkerOptions } from './stream-worker-options.js';

interface Delivery {
  ids: string[];
  claimed: boolean;
  at: number;
}

/** Polls `probe` every 20 ms until it holds (bounded). */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('StreamWorker', () => {
  let store: MemoryStateStore;
  let worker: StreamWorker | undefined;
  let deliveries: Delivery[];
  let messages: string[];

  beforeEach(async () => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    await store.streamEnsureGroup('s', 'g');
    deliveries = [];
    messages = [];
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await store.close();
  });

  const start = (
    handle: (entries: StreamEntry[], n: number) => readonly string[] | Promise<readonly string[]>,
    options: Partial<StreamWorkerOptions> = {},
  ): StreamWorker => {
    if (worker) throw new Error('stop the running worker first');
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.startsWith('{')) messages.push(String(JSON.parse(line).message));
        done();
      },
    });
    worker = new StreamWorker({
      store,
      stream: 's',
      group: 'g',
      consumer: 'c1',
      logger: createLogger({ service: 't', level: 'info', stream }),
      count: 10,
      blockMs: 50,
      claimIdleMs: () => 60_000,
      handle: async (entries, claimed) => {
        deliveries.push({ ids: entries.map((e) => e.id), claimed, at: Date.now() });
        return handle(entries, deliveries.length);
      },
      ...options,
    });
    worker.start();
    return worker;
  };
  const pending = () => store.streamPendingCount('s', 'g');
  const ids = (entries: StreamEntry[]) => entries.map((e) => e.id);

  it('hands unacknowledged entries back after a growing backoff, long before the idle claim', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    const b = await store.streamAppend('s', { n: '2' });
    // First delivery: `a` done, `b` failed; second: `b` fails again; third: done.
    start((entries, n) => (n === 1 ? [a] : n === 2 ? [] : ids(entries)), {
      retryUnacknowledged: true,
    });
    await until(async () => deliveries.length === 3 && (await pending()) === 0);
    expect(deliveries.map((d) => d.ids)).toEqual([[a, b], [b], [b]]);
    expect(deliveries.every((d) => !d.claimed)).toBe(true);
    const [first, second, third] = deliveries.map((d) => d.at);
    expect(second! - first!).toBeGreaterThanOrEqual(90);
    expect(third! - second!).toBeGreaterThanOrEqual(190);
  });

  it('retries entries whose handler threw before reading newer ones', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    let b = '';
    start(
      (entries, n) => {
        if (n === 1) throw new StoreUnavailableError('timeout');
        return ids(entries);
      },
      { retryUnacknowledged: true },
    );
    await until(() => deliveries.length === 1);
    b = await store.streamAppend('s', { n: '2' });
    await until(async () => (await pending()) === 0 && deliveries.length === 3);
    expect(deliveries.map((d) => d.ids)).toEqual([[a], [a], [b]]);
  });

  it('stops retrying at half the claim-idle time and leaves the entries to the idle claim', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    start(() => [], { retryUnacknowledged: true, claimIdleMs: () => 1_600 });
    await until(() => deliveries.some((d) => d.claimed), 8_000);
    const local = deliveries.filter((d) => !d.claimed);
    // 100, 200, 400 ms backoff within the 800 ms window: no hot loop while the store is down.
    expect(local.length).toBeGreaterThanOrEqual(2);
    expect(local.length).toBeLessThanOrEqual(5);
    expect(local.every((d) => d.at - local[0]!.at < 800 + 50)).toBe(true);
    expect(messages).toContain('failed entries left to the idle claim');
    expect(deliveries.find((d) => d.claimed)?.ids).toEqual([a]);
  });

  it('drops failed entries once the group and its pending list are gone, then carries on', async () => {
    await store.streamAppend('s', { n: '1' });
    start((entries, n) => (n === 1 ? [] : ids(entries)), { retryUnacknowledged: true });
    await until(() => deliveries.length === 1);
    // What an empty restarted Redis looks like: no stream, no group, no pending entries.
    await store.delete('s');
    const fresh = await store.streamAppend('s', { n: '2' });
    await until(async () => deliveries.length === 2 && (await pending()) === 0);
    expect(deliveries[1]?.ids).toEqual([fresh]);
    expect(messages).toContain('failed entries no longer pending; dropped');
  });

  it('drops failed entries that a re-created group no longer holds as pending', async () => {
    await store.streamAppend('s', { n: '1' });
    start(
      async (entries, n) => {
        if (n > 1) return ids(entries);
        // Another replica re-created the group on an empty Redis while this delivery failed.
        await store.delete('s');
        await store.streamEnsureGroup('s', 'g');
        return [];
      },
      { retryUnacknowledged: true },
    );
    await until(() =>
      messages.includes('failed entries no longer pending for this consumer; not retried'),
    );
    const fresh = await store.streamAppend('s', { n: '2' });
    await until(async () => deliveries.length === 2 && (await pending()) === 0);
    expect(deliveries[1]?.ids).toEqual([fresh]);
  });

  it('acknowledges a handled entry whose XACK failed without handling it again', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    const realAck = store.streamAck.bind(store);
    let failAcks = 1;
    store.streamAck = async (...args) => {
      if (failAcks-- > 0) throw new StoreUnavailableError('timeout');
      return realAck(...args);
    };
    const acked: number[] = [];
    start((entries) => ids(entries), { retryUnacknowledged: true, onAcked: (n) => acked.push(n) });
    await until(async () => (await pending()) === 0 && acked.length > 0);
    expect(failAcks).toBe(-1);
    expect(deliveries.map((d) => d.ids)).toEqual([[a]]);
    expect(acked).toEqual([1]);
  });

  it('retries what is still pending in the store, not what the failed delivery held', async () => {
    const [a, b] = await store.streamAppendMany('s', [{ n: '1' }, { n: '2' }]);
    start(
      async (entries, n) => {
        if (n > 1) return ids(entries);
        // Meanwhile another replica's idle claim takes `a` over (say this one stalled).
        await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 0, count: 1 });
        return [];
      },
      { retryUnacknowledged: true },
    );
    await until(async () => deliveries.length === 2 && (await pending()) === 1);
    expect(deliveries.map((d) => d.ids)).toEqual([[a, b], [b]]);
    expect(ids(await store.streamReadPending('s', 'g', 'c2'))).toEqual([a]);
  });

  it('a fresh worker under the same consumer name retries what an earlier one left failed', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    const first = start(() => [], { retryUnacknowledged: true });
    await until(() => deliveries.length >= 1);
    await first.stop();
    worker = undefined;
    const before = deliveries.length;
    // The claim-idle time (60 s) is far away: only a re-read of the pending list finds `a`.
    start((entries) => ids(entries), { retryUnacknowledged: true });
    await until(async () => deliveries.length > before && (await pending()) === 0);
    expect(deliveries.slice(before)).toEqual([
      expect.objectContaining({ ids: [a], claimed: true }),
    ]);
  });

  it('retries only the failed entries, not those still in flight, page by page', async () => {
    const [a, b, c, d] = await store.streamAppendMany('s', [
      { n: '1' },
      { n: '2' },
      { n: '3' },
      { n: '4' },
    ]);
    // `a` and `b` stay in flight (acknowledged later); the delivery of `c`, `d` throws once,
    // and from then on the handler takes one entry at a time (back-pressure).
    start(
      (entries, n) => {
        if (n === 2) throw new StoreUnavailableError('timeout');
        return ids(entries).filter((id) => id === c || id === d);
      },
      { count: 2, room: () => (deliveries.length >= 2 ? 1 : 2) },
    );
    await until(async () => deliveries.length === 4 && (await pending()) === 2);
    expect(deliveries.map((x) => x.ids)).toEqual([[a, b], [c, d], [c], [d]]);
    await new Promise((r) => setTimeout(r, 300));
    expect(deliveries).toHaveLength(4);
    expect(ids(await store.streamReadPending('s', 'g', 'c1'))).toEqual([a, b]);
  });

  it('retries a later failure at once while an entry that keeps failing waits for the idle claim', async () => {
    const poison = await store.streamAppend('s', { n: 'poison' });
    let fresh = '';
    let freshFailures = 1;
    // Like EntryProcessor.handle: entries in order, stopping at the first failure.
    start(
      (entries) => {
        const done: string[] = [];
        for (const e of entries) {
          if (e.id === poison || (e.id === fresh && freshFailures-- > 0)) break;
          done.push(e.id);
        }
        return done;
      },
      { retryUnacknowledged: true, claimIdleMs: () => 1_200 },
    );
    await until(() => messages.includes('failed entries left to the idle claim'));
    fresh = await store.streamAppend('s', { n: 'fresh' });
    // Failed once, then retried alone — the poison entry ahead of it is not re-read — and done.
    await until(
      async () => deliveries.some((d) => d.ids.includes(fresh)) && (await pending()) === 1,
    );
    expect(deliveries.filter((d) => d.ids.includes(fresh)).map((d) => d.ids)).toEqual([
      [fresh],
      [fresh],
    ]);
    // The poison entry keeps its own window: retried for half the claim-idle time per delivery.
    await until(() => deliveries.some((d) => d.claimed && d.ids.includes(poison)), 5_000);
    const local = deliveries.filter((d) => !d.claimed && d.ids.includes(poison));
    expect(local.every((d) => d.at - local[0]!.at < 600 + 50)).toBe(true);
    expect(deliveries.find((d) => d.claimed)?.ids).toEqual([poison]);
  });

  it('without retryUnacknowledged, leaves unreturned entries to the handler (acknowledged later)', async () => {
    const a = await store.streamAppend('s', { n: '1' });
    const w = start(() => []);
    await until(() => deliveries.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(deliveries).toHaveLength(1);
    expect(await pending()).toBe(1);
    await w.ack([a]);
    expect(await pending()).toBe(0);
  });
});
