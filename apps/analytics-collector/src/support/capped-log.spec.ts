import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { CappedLog } from './capped-log.js';

describe('capped log', () => {
  let store: MemoryStateStore;
  afterEach(async () => {
    await store.close();
  });
  const make = (capacity = 5) => {
    store = new MemoryStateStore({ keyPrefix: 't:' });
    return new CappedLog<number>(store, {
      name: 'log',
      capacity,
      retentionMs: 60_000,
      idempotencyTtlMs: 60_000,
    });
  };

  it('reads newest first in pages with a cursor', async () => {
    const log = make(100);
    await log.append([1, 2, 3]);
    await log.append([4, 5]);
    const first = await log.scan({ limit: 2, maxScan: 100 });
    expect(first.items.map((i) => i.item)).toEqual([5, 4]);
    const second = await log.scan({
      limit: 2,
      maxScan: 100,
      before: first.nextCursor ?? undefined,
    });
    expect(second.items.map((i) => i.item)).toEqual([3, 2]);
    const third = await log.scan({
      limit: 2,
      maxScan: 100,
      before: second.nextCursor ?? undefined,
    });
    expect(third.items.map((i) => i.item)).toEqual([1]);
    expect(third.nextCursor).toBeNull();
  });

  it('keeps only the newest `capacity` entries', async () => {
    const log = make(5);
    await log.append([1, 2, 3, 4, 5, 6, 7]);
    const all = await log.scan({ limit: 100, maxScan: 100 });
    expect(all.items.map((i) => i.item)).toEqual([7, 6, 5, 4, 3]);
  });

  it('writes an idempotent append once, however often it is repeated', async () => {
    const log = make(100);
    await log.append([1, 2], 'entry-1');
    await log.append([1, 2], 'entry-1');
    await log.append([3], 'entry-2');
    expect((await log.scan({ limit: 100, maxScan: 100 })).items.map((i) => i.item)).toEqual([
      3, 2, 1,
    ]);
  });

  it('filters and bounds the scan', async () => {
    const log = make(1_000);
    await log.append(Array.from({ length: 50 }, (_, i) => i));
    const even = await log.scan({ limit: 5, maxScan: 1_000, match: (n) => n % 2 === 0 });
    expect(even.items.map((i) => i.item)).toEqual([48, 46, 44, 42, 40]);
    const bounded = await log.scan({ limit: 100, maxScan: 10, match: (n) => n < 5 });
    expect(bounded.items).toEqual([]);
    expect(bounded.scanned).toBe(10);
    expect(bounded.nextCursor).toBe(41);
  });
});
