import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { CappedStream } from './capped-stream.js';

describe('capped stream', () => {
  let store: MemoryStateStore;
  afterEach(async () => {
    await store.close();
  });

  it('trims only entries that were processed, keeping `retainProcessed` of them', async () => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    const stream = new CappedStream(store, 's', 2);
    await store.streamEnsureGroup('s', 'g');
    for (let i = 0; i < 5; i++) await stream.append({ n: String(i) });
    const delivered = await store.streamReadGroup('s', 'g', 'c', { count: 5 });
    await stream.acknowledged(
      await store.streamAck(
        's',
        'g',
        delivered.slice(0, 3).map((e) => e.id),
      ),
    );
    for (let i = 5; i < 8; i++) await stream.append({ n: String(i) });

    expect(await stream.backlog()).toBe(5);
    // `MAXLEN ~` (the memory store too) may keep more than the cap, never less.
    expect(await store.streamLength('s')).toBeGreaterThanOrEqual(7);
    const pending = await store.streamClaimIdle('s', 'g', 'c2', { minIdleMs: 0 });
    expect(pending.map((e) => e.fields['n'])).toEqual(['3', '4']);
    const fresh = await store.streamReadGroup('s', 'g', 'c2', { count: 10 });
    expect(fresh.map((e) => e.fields['n'])).toEqual(['5', '6', '7']);
  });

  it('does trim processed entries once there are many', async () => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    const stream = new CappedStream(store, 's', 2);
    await store.streamEnsureGroup('s', 'g');
    for (let i = 0; i < 300; i++) {
      await stream.append({ n: String(i) });
      const [entry] = await store.streamReadGroup('s', 'g', 'c', { count: 1 });
      await stream.acknowledged(await store.streamAck('s', 'g', entry ? [entry.id] : []));
    }
    expect(await stream.backlog()).toBe(0);
    const length = await store.streamLength('s');
    expect(length).toBeGreaterThanOrEqual(2);
    expect(length).toBeLessThanOrEqual(2 + 64 + 1); // the cap plus the approximate-trim slack
  });
});
