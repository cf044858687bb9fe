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

  it('trims streams exactly to maxLenApprox', async () => {
    const store = new MemoryStateStore();
    for (let i = 0; i < 20; i++)
      await store.streamAppend('s', { i: String(i) }, { maxLenApprox: 5 });
    expect(await store.streamLength('s')).toBe(5);
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
