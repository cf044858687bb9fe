import { describe, expect, it } from 'vitest';
import { describeStateStoreContract } from './contract/state-store.contract.js';
import { createMemoryBackend, MemoryStateStore } from './memory-store.js';

const backend = createMemoryBackend();
describeStateStoreContract('memory', (keyPrefix) => new MemoryStateStore({ keyPrefix, backend }));

describe('MemoryStateStore specifics', () => {
  it('keeps data private to its backend', async () => {
    const a = new MemoryStateStore({ keyPrefix: 'p:' });
    const b = new MemoryStateStore({ keyPrefix: 'p:' });
    await a.set('k', 'v');
    expect(await b.get('k')).toBeNull();
  });

  it('follows an injected clock for TTLs and the token bucket', async () => {
    let now = 1_000_000;
    const store = new MemoryStateStore({ backend: createMemoryBackend({ now: () => now }) });
    await store.set('k', 'v', { ttlMs: 100 });
    now += 99;
    expect(await store.ttlMs('k')).toBe(1);
    now += 1;
    expect(await store.get('k')).toBeNull();

    const bucket = { capacity: 2, refillPerSecond: 1 };
    await store.takeTokens('b', bucket);
    await store.takeTokens('b', bucket);
    expect(await store.takeTokens('b', bucket)).toMatchObject({
      allowed: false,
      retryAfterMs: 1_000,
      resetMs: 2_000,
    });
    now += 1_000;
    expect(await store.takeTokens('b', bucket)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('follows an injected clock for admission refills and quota windows', async () => {
    let now = 1_000_000;
    const store = new MemoryStateStore({ backend: createMemoryBackend({ now: () => now }) });
    const request = {
      buckets: [{ key: 'b', capacity: 2, refillPerSecond: 1 }],
      quotas: [{ key: 'q', limit: 10, windowTtlMs: 5_000 }],
    };
    await store.admit(request);
    await store.admit(request);
    const refused = await store.admit(request);
    expect(refused.buckets).toEqual([
      { allowed: false, remaining: 0, retryAfterMs: 1_000, resetMs: 2_000 },
    ]);
    expect(refused.quotas).toEqual([{ used: 2, allowed: true, resetMs: 5_000 }]);
    now += 999;
    expect((await store.admit(request)).allowed).toBe(false);
    now += 1;
    const again = await store.admit(request);
    expect(again).toMatchObject({ allowed: true, quotas: [{ used: 3, resetMs: 4_000 }] });
    now += 4_000;
    expect((await store.admit({ ...request, buckets: [] })).quotas).toEqual([
      { used: 1, allowed: true, resetMs: 5_000 },
    ]);
  });

  it('trims like MAXLEN ~: never below maxLenApprox, never far above it', async () => {
    const store = new MemoryStateStore();
    const maxLen = 1000;
    const lengths: number[] = [];
    for (let i = 0; i < 3000; i++) {
      await store.streamAppend('s', { i: String(i) }, { maxLenApprox: maxLen });
      lengths.push(await store.streamLength('s'));
    }
    const batch = Array.from({ length: 500 }, (_, i) => ({ i: String(i) }));
    await store.streamAppendMany('s', batch, { maxLenApprox: maxLen });
    lengths.push(await store.streamLength('s'));
    expect(Math.min(...lengths.slice(maxLen))).toBeGreaterThanOrEqual(maxLen);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(maxLen + 64); // the slack: max(64, maxLen / 16)
  });

  it('reads and claims by id in order after trimming (binary search over the entries)', async () => {
    const store = new MemoryStateStore();
    await store.streamEnsureGroup('s', 'g');
    for (let i = 0; i < 300; i++) await store.streamAppend('s', { i: String(i) }, { maxLenApprox: 100 });
    const first = await store.streamReadGroup('s', 'g', 'c', { count: 10 });
    const next = await store.streamReadGroup('s', 'g', 'c', { count: 10 });
    const numbers = [...first, ...next].map((e) => Number(e.fields['i']));
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, k) => numbers[0]! + k));
    expect(numbers[0]).toBeGreaterThanOrEqual(300 - 100 - 64);
    const claimed = await store.streamClaimIdle('s', 'g', 'd', { minIdleMs: 0, count: 5 });
    expect(claimed.map((e) => e.id)).toEqual(first.slice(0, 5).map((e) => e.id));
  });

  it('ends a blocked stream read when the store closes', async () => {
    const store = new MemoryStateStore();
    await store.streamEnsureGroup('s', 'g');
    const blocked = store.streamReadGroup('s', 'g', 'c', { blockMs: 10_000 });
    await store.close();
    await expect(blocked).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'closed' });
  });

  it('forgets expired keys nobody reads again (sweep on write)', async () => {
    let now = 0;
    const backend = createMemoryBackend({ now: () => now });
    const store = new MemoryStateStore({ backend });
    await store.set('old', 'v', { ttlMs: 10 });
    now += 10_000;
    await store.set('new', 'v');
    expect(backend.keyspace.size).toBe(1);
  });
});
