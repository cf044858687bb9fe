import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, StoreUnavailableError, type StreamEntry } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { StreamWorker, type StreamWorkerOptions } from './stream-worker.js';

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
    await until(() => messages.includes('failed entries no longer pending; dropped'));
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
