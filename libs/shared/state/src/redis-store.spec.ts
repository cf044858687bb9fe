import { describeWithRedis, getFreePort } from '@mcpgw/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { uniqueTestPrefix } from './contract/harness.js';
import { deleteKeysByPrefix } from './contract/redis-keys.js';
import { describeStateStoreContract } from './contract/state-store.contract.js';
import { RedisStateStore, type RedisStateStoreOptions } from './redis-store.js';
import type { StateLogger } from './logger.js';
import { takeFromBucket } from './token-bucket.js';

describeWithRedis('RedisStateStore', (redis) => {
  describeStateStoreContract(
    'redis',
    (keyPrefix) => new RedisStateStore({ redisUrl: redis.url, keyPrefix }),
    (prefix) => deleteKeysByPrefix(redis.url, prefix),
  );

  // Every key these tests write starts with `run`, deleted after the suite (REDIS_URL may be shared).
  const run = uniqueTestPrefix('redis-store');
  const opened: RedisStateStore[] = [];
  const open = (
    keyPrefix: string,
    logger?: StateLogger,
    options: Partial<RedisStateStoreOptions> = {},
  ): RedisStateStore => {
    const store = new RedisStateStore({
      redisUrl: redis.url,
      keyPrefix,
      ...(logger && { logger }),
      ...options,
    });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await deleteKeysByPrefix(redis.url, run);
  });

  it('applies the prefix to keys, script keys and streams on the server', async () => {
    const prefixed = open(`${run}gw-spec:`);
    const raw = open('');
    await prefixed.set('plain', 'v');
    await prefixed.takeTokens('bucket', { capacity: 5, refillPerSecond: 1 });
    await prefixed.streamAppend('outbox', { a: '1' });
    expect(await raw.get(`${run}gw-spec:plain`)).toBe('v');
    expect(Object.keys(await raw.hashGetAll(`${run}gw-spec:bucket`)).sort()).toEqual([
      'tokens',
      'ts',
    ]);
    expect(await raw.streamLength(`${run}gw-spec:outbox`)).toBe(1);
    expect(await raw.get(`${run}plain`)).toBeNull();
  });

  it('deletes exactly the keys of a prefix, glob characters taken literally', async () => {
    const raw = open('');
    const prefix = `${run}cleanup*[x]:`;
    const sibling = `${run}cleanupY:`;
    for (let i = 0; i < 1_200; i++) await raw.set(`${prefix}${i}`, 'v');
    await raw.streamAppend(`${prefix}stream`, { a: '1' });
    await raw.set(`${sibling}keep`, 'v');
    expect(await deleteKeysByPrefix(redis.url, prefix)).toBe(1_201);
    expect(await raw.get(`${prefix}7`)).toBeNull();
    expect(await raw.streamLength(`${prefix}stream`)).toBe(0);
    expect(await raw.get(`${sibling}keep`)).toBe('v');
    expect(await deleteKeysByPrefix(redis.url, prefix)).toBe(0);
    await expect(deleteKeysByPrefix(redis.url, '')).rejects.toThrow(/empty prefix/);
  });

  it('caps blocking-read connections and fails a read that waits too long for one', async () => {
    // Also the window in which the queued read below must get the connection handed over.
    const commandTimeoutMs = 1_000;
    const store = open(`${run}pool:`, undefined, { maxBlockingConnections: 1, commandTimeoutMs });
    await store.streamEnsureGroup('s', 'g');
    const first = store.streamReadGroup('s', 'g', 'c1', { blockMs: 5_000 });
    let firstDone = false;
    void first.finally(() => (firstDone = true)).catch(() => undefined);

    const started = Date.now();
    const err = await store
      .streamReadGroup('s', 'g', 'c2', { blockMs: 5_000 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'blocking_pool_exhausted' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(commandTimeoutMs - 10);
    expect(firstDone).toBe(false);
    // Other commands are not affected by a busy pool.
    expect(await store.set('k', 'v')).toBe(true);

    // A waiter gets the connection as soon as the holder's read returns.
    const second = store.streamReadGroup('s', 'g', 'c2', { blockMs: 5_000 });
    await store.streamAppend('s', { n: '1' });
    expect((await first).map((e) => e.fields)).toEqual([{ n: '1' }]);
    await store.streamAppend('s', { n: '2' });
    expect((await second).map((e) => e.fields)).toEqual([{ n: '2' }]);
  });

  it('rejects an invalid maxBlockingConnections', () => {
    for (const bad of [0, -1, 1.5]) {
      expect(
        () => new RedisStateStore({ redisUrl: redis.url, maxBlockingConnections: bad }),
      ).toThrow(expect.objectContaining({ code: 'STORE_ERROR', reason: 'invalid_argument' }));
    }
  });

  it('runs the same token bucket arithmetic in Lua as takeFromBucket (property)', async () => {
    const raw = new Redis(redis.url);
    const bucketKey = `${run}parity:b`;
    const store = open(`${run}parity:`);
    // A state stamped in the future makes the script skip the refill, so no clock is involved.
    const future = 32_503_680_000_000;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 100 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 100, noNaN: true })),
          fc.double({ min: 0, max: 120, noNaN: true }),
          async (capacity, fill, refillPerSecond, cost) => {
            const tokens = capacity * fill;
            // A fresh key: a TTL left by the previous run could expire it under our feet.
            await raw.del(bucketKey);
            await raw.hset(bucketKey, 'tokens', String(tokens), 'ts', String(future));
            const fromRedis = await store.takeTokens('b', { capacity, refillPerSecond, cost });
            const fromJs = takeFromBucket({ tokens, ts: future }, 0, {
              capacity,
              refillPerSecond,
              cost,
            });
            expect(fromRedis).toEqual(fromJs.result);
            const stored = await raw.hgetall(bucketKey);
            // A state due to expire within ms may already be gone; longer-lived ones must match.
            if (!fromJs.next) expect(stored).toEqual({});
            else if ((fromJs.next.ttlMs ?? Infinity) > 1_000) {
              expect(Number(stored['tokens'])).toBe(fromJs.next.state.tokens);
            }
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      raw.disconnect();
    }
  });

  it('logs connection trouble with the password redacted', async () => {
    const lines: Array<{ message: string; meta?: object }> = [];
    const record = (message: string, meta?: object) =>
      lines.push({ message, ...(meta && { meta }) });
    const port = await getFreePort(); // nothing listens there
    const store = new RedisStateStore({
      redisUrl: `redis://default:hunter2@127.0.0.1:${port}`,
      keyPrefix: 'log:',
      commandTimeoutMs: 200,
      logger: { info: record, warn: record, error: record },
    });
    opened.push(store);
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // On a loaded machine the refused connect may be reported after the ping gave up.
    await expect
      .poll(() => lines.map((l) => l.message), { timeout: 5_000 })
      .toContain('state store connection error');
    const text = JSON.stringify(lines);
    expect(text).toContain(`redis://default:***@127.0.0.1:${port}`);
    expect(text).not.toContain('hunter2');
  });
});

it('rejects a URL that is not redis:// without echoing its secret', () => {
  expect(
    () => new RedisStateStore({ redisUrl: 'http://user:s3cret@localhost:6379', keyPrefix: '' }),
  ).toThrow(expect.objectContaining({ code: 'STORE_ERROR', reason: 'invalid_argument' }));
  try {
    new RedisStateStore({ redisUrl: 'http://user:s3cret@localhost:6379', keyPrefix: '' });
  } catch (err) {
    expect(String((err as Error).message)).not.toContain('s3cret');
  }
});
