import { describeWithRedis, getFreePort } from '@mcpgw/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { describeStateStoreContract } from './contract/state-store.contract.js';
import { RedisStateStore } from './redis-store.js';
import type { StateLogger } from './logger.js';
import { takeFromBucket } from './token-bucket.js';

describeWithRedis('RedisStateStore', (redis) => {
  describeStateStoreContract(
    'redis',
    (keyPrefix) => new RedisStateStore({ redisUrl: redis.url, keyPrefix }),
  );

  const opened: RedisStateStore[] = [];
  const open = (keyPrefix: string, logger?: StateLogger): RedisStateStore => {
    const store = new RedisStateStore({
      redisUrl: redis.url,
      keyPrefix,
      ...(logger && { logger }),
    });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('applies the prefix to keys, script keys and streams on the server', async () => {
    const prefixed = open('gw-spec:');
    const raw = open('');
    await prefixed.set('plain', 'v');
    await prefixed.takeTokens('bucket', { capacity: 5, refillPerSecond: 1 });
    await prefixed.streamAppend('outbox', { a: '1' });
    expect(await raw.get('gw-spec:plain')).toBe('v');
    expect(Object.keys(await raw.hashGetAll('gw-spec:bucket')).sort()).toEqual(['tokens', 'ts']);
    expect(await raw.streamLength('gw-spec:outbox')).toBe(1);
    expect(await raw.get('plain')).toBeNull();
  });

  it('runs the same token bucket arithmetic in Lua as takeFromBucket (property)', async () => {
    const raw = new Redis(redis.url);
    const store = open('parity:');
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
            await raw.hset('parity:b', 'tokens', String(tokens), 'ts', String(future));
            const fromRedis = await store.takeTokens('b', { capacity, refillPerSecond, cost });
            const fromJs = takeFromBucket({ tokens, ts: future }, 0, {
              capacity,
              refillPerSecond,
              cost,
            });
            expect(fromRedis).toEqual(fromJs.result);
            const stored = await raw.hgetall('parity:b');
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
    expect(lines.map((l) => l.message)).toContain('state store connection error');
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
