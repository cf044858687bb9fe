import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStateStore, type StreamEntry } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { PendingRetry } from './pending-retry.js';

const ids = (entries: StreamEntry[] | undefined) => entries?.map((e) => e.id);

describe('PendingRetry', () => {
  let store: MemoryStateStore;
  let messages: string[];
  let retry: PendingRetry;
  let pending: string[];

  beforeEach(async () => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    await store.streamEnsureGroup('s', 'g');
    messages = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.startsWith('{')) messages.push(String(JSON.parse(line).message));
        done();
      },
    });
    retry = new PendingRetry({
      store,
      stream: 's',
      group: 'g',
      consumer: 'c1',
      logger: createLogger({ service: 't', level: 'info', stream }),
      claimIdleMs: () => 1_000,
    });
    const fields = ['a', 'b', 'c', 'd', 'e'].map((n) => ({ n }));
    pending = await store.streamAppendMany('s', fields);
    await store.streamReadGroup('s', 'g', 'c1', { count: 5 });
  });
  afterEach(() => store.close());

  it('hands over only the failed entries, page by page, past entries still pending between them', async () => {
    const [, b, , d] = pending;
    const now = Date.now();
    retry.failed([b!, d!], false, now);
    expect(retry.active).toBe(true);
    expect(ids((await retry.next(1, now))?.entries)).toEqual([b]);
    // The pass goes on after `b` (past `c`, which is in flight), then starts again at `b`.
    expect(ids((await retry.next(1, now))?.entries)).toEqual([d]);
    expect(ids((await retry.next(1, now))?.entries)).toEqual([b]);
    retry.settled([b!]);
    expect(await retry.next(5, now)).toEqual({
      entries: [expect.objectContaining({ id: d })],
      claimed: false,
    });
    retry.settled([d!]);
    expect(retry.active).toBe(false);
    expect(await retry.next(5, now)).toBeUndefined();
  });

  it('does not re-read an older pending entry, whose idle time runs on for the idle claim', async () => {
    const [a, b, c, d, e] = pending;
    await store.streamAck('s', 'g', [b!, c!, d!]);
    await new Promise((r) => setTimeout(r, 300));
    retry.failed([e!], false, Date.now());
    expect(ids((await retry.next(5, Date.now()))?.entries)).toEqual([e]);
    // Only `a` (left to the idle claim) has been idle long enough; `e` was just re-read.
    expect(ids(await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 250 }))).toEqual([a]);
  });

  it('retries each failed entry for half the claim-idle time from its own first failure', async () => {
    const [a, b] = pending;
    const t0 = Date.now();
    retry.failed([a!], true, t0);
    retry.failed([b!], true, t0 + 300);
    // A second failure does not restart the window.
    retry.failed([a!], false, t0 + 300);
    expect(await retry.next(5, t0 + 499)).toEqual({
      entries: [expect.objectContaining({ id: a }), expect.objectContaining({ id: b })],
      claimed: true,
    });
    expect(ids((await retry.next(5, t0 + 500))?.entries)).toEqual([b]);
    expect(messages).toEqual(['failed entries left to the idle claim']);
    expect(await retry.next(5, t0 + 800)).toBeUndefined();
    expect(retry.active).toBe(false);
  });

  it('drops failed entries no longer pending for this consumer, and says so', async () => {
    const [a, b, c] = pending;
    await store.streamAck('s', 'g', [a!]);
    await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 0, count: 2 });
    const now = Date.now();
    retry.failed([a!, b!, c!], false, now);
    expect(await retry.next(5, now)).toBeUndefined();
    expect(retry.active).toBe(false);
    expect(messages).toEqual(['failed entries no longer pending for this consumer; not retried']);
  });

  it('hands over the whole pending list once at start-up, as claimed entries', async () => {
    retry.recover();
    const first = await retry.next(3, Date.now());
    expect(first).toEqual({ entries: expect.any(Array), claimed: true });
    expect(ids(first?.entries)).toEqual(pending.slice(0, 3));
    expect(ids((await retry.next(3, Date.now()))?.entries)).toEqual(pending.slice(3));
    expect(retry.active).toBe(false);
  });

  it('forgets everything when the pending list is gone', async () => {
    retry.recover();
    retry.failed([pending[0]!], false, Date.now());
    expect(retry.forget()).toBe(true);
    expect(retry.active).toBe(false);
    expect(retry.forget()).toBe(false);
  });
});
