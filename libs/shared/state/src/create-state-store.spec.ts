import { describeWithRedis } from '@mcpgw/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueTestPrefix } from './contract/harness.js';
import { deleteKeysByPrefix } from './contract/redis-keys.js';
import { createStateStore } from './create-state-store.js';
import { MemoryStateStore } from './memory-store.js';
import { RedisStateStore } from './redis-store.js';

function recorder() {
  const lines: Array<{ message: string; meta?: object }> = [];
  const record = (message: string, meta?: object) => lines.push({ message, ...(meta && { meta }) });
  return { lines, logger: { info: record, warn: record, error: record } };
}

describe('createStateStore', () => {
  it('returns the memory store when no Redis URL is configured', async () => {
    const { lines, logger } = recorder();
    const store = createStateStore({ keyPrefix: 'gw:', logger });
    expect(store).toBeInstanceOf(MemoryStateStore);
    expect(store).toMatchObject({ kind: 'memory', keyPrefix: 'gw:' });
    expect(lines[0]?.message).toMatch(/memory/);
    await store.close();
  });

  it('rejects invalid settings with StoreError(invalid_argument)', () => {
    expect(() =>
      createStateStore({ keyPrefix: 'gw:', redisUrl: 'redis://127.0.0.1:1', commandTimeoutMs: 0 }),
    ).toThrow(expect.objectContaining({ code: 'STORE_ERROR', reason: 'invalid_argument' }));
    expect(() => createStateStore({ keyPrefix: 'gw:', redisUrl: 'localhost:6379' })).toThrow(
      expect.objectContaining({ reason: 'invalid_argument' }),
    );
    expect(() =>
      createStateStore({
        keyPrefix: 'gw:',
        redisUrl: 'redis://127.0.0.1:1',
        maxBlockingConnections: 0,
      }),
    ).toThrow(expect.objectContaining({ reason: 'invalid_argument' }));
  });
});

describeWithRedis('createStateStore with Redis', (redis) => {
  const prefix = uniqueTestPrefix('create-state-store');
  afterAll(async () => {
    await deleteKeysByPrefix(redis.url, prefix);
  });

  it('returns a working Redis store and logs the target without its password', async () => {
    const { lines, logger } = recorder();
    const url = new URL(redis.url);
    const store = createStateStore({
      keyPrefix: prefix,
      redisUrl: redis.url,
      logger,
      commandTimeoutMs: 500,
    });
    try {
      expect(store).toBeInstanceOf(RedisStateStore);
      await store.set('k', 'v');
      expect(await store.get('k')).toBe('v');
      expect(JSON.stringify(lines)).toContain(url.host);
    } finally {
      await store.close();
    }
    const withSecret = createStateStore({
      keyPrefix: 'f:',
      redisUrl: 'redis://:topsecret@127.0.0.1:1',
      logger,
    });
    await withSecret.close();
    expect(JSON.stringify(lines)).not.toContain('topsecret');
  });
});
