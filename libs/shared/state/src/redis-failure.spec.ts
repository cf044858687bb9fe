import { describeWithRedis } from '@mcpgw/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { StoreUnavailableError } from './errors.js';
import { RedisStateStore } from './redis-store.js';
import type { StateStore } from './state-store.js';

const COMMAND_TIMEOUT_MS = 300;
const SLACK_MS = 250;

/** Settles `promise` and returns the rejection with the time it took. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; elapsedMs: number }> {
  const started = Date.now();
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, elapsedMs: Date.now() - started };
}

async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(50);
    }
  }
}

describeWithRedis(
  'RedisStateStore when Redis fails',
  (redis) => {
    const opened: StateStore[] = [];
    const logs: string[] = [];
    const open = (): StateStore => {
      const record = (message: string) => logs.push(message);
      const store = new RedisStateStore({
        redisUrl: redis.url,
        keyPrefix: 'failure:',
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        maxReconnectDelayMs: 100,
        logger: { info: record, warn: record, error: record },
      });
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      logs.length = 0;
      await redis.server.resume();
      if (!redis.server.running) await redis.server.restart();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('fails fast with StoreUnavailableError when the server stops, and recovers on restart', async () => {
      const store = open();
      await store.set('k', 'before');
      await redis.server.stop();

      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => store.get('k')],
        ['set', () => store.set('k', 'v')],
        ['takeTokens', () => store.takeTokens('b', { capacity: 1, refillPerSecond: 1 })],
        ['streamAppend', () => store.streamAppend('s', { a: '1' })],
        ['ping', () => store.ping()],
      ];
      for (const [name, call] of calls) {
        const { err, elapsedMs } = await failure(call());
        expect(err, name).toBeInstanceOf(StoreUnavailableError);
        expect(err, name).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(String((err as Error).message)).not.toContain(redis.url);
        expect(elapsedMs, name).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + SLACK_MS);
      }
      expect(logs).toContain('state store connection lost');

      await redis.server.restart();
      // Same instance, not recreated: it reconnects by itself (data is gone: no persistence).
      await eventually(async () => expect(await store.get('k')).toBeNull(), 5_000);
      expect(await store.set('k', 'after')).toBe(true);
      expect(await store.get('k')).toBe('after');
      expect(logs).toContain('state store reconnected');
    });

    it('times out instead of hanging when the server stops answering', async () => {
      const store = open();
      await store.ping();
      await redis.server.pause();
      for (const call of [
        () => store.get('k'),
        () => store.takeTokens('b', { capacity: 1, refillPerSecond: 1 }),
      ]) {
        const { err, elapsedMs } = await failure(call());
        expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'timeout' });
        expect(elapsedMs).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + SLACK_MS);
      }
      await redis.server.resume();
      await eventually(async () => expect(await store.set('k', 'v')).toBe(true), 5_000);
    });

    it('fails a blocked stream read within blockMs + commandTimeoutMs when the server dies', async () => {
      const store = open();
      await store.streamEnsureGroup('blk', 'g');
      const blocked = failure(store.streamReadGroup('blk', 'g', 'c', { blockMs: 500 }));
      await sleep(50);
      await redis.server.kill();
      const { err, elapsedMs } = await blocked;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(elapsedMs).toBeLessThanOrEqual(500 + COMMAND_TIMEOUT_MS + SLACK_MS);

      await redis.server.restart();
      await eventually(async () => store.streamEnsureGroup('blk', 'g'), 5_000);
      await store.streamAppend('blk', { after: 'restart' });
      const read = await store.streamReadGroup('blk', 'g', 'c', { blockMs: 500 });
      expect(read.map((e) => e.fields)).toEqual([{ after: 'restart' }]);
    });

    it('resubscribes after a restart', async () => {
      const subscriber = open();
      const publisher = open();
      const received: string[] = [];
      await subscriber.subscribe('inv', (m) => received.push(m));
      await redis.server.kill();
      await redis.server.restart();
      await eventually(async () => {
        await publisher.publish('inv', 'after-restart');
        expect(received).toContain('after-restart');
      }, 5_000);
    });

    it('fails within the timeout when Redis is down at start-up, then connects when it comes up', async () => {
      await redis.server.stop();
      const store = open();
      const first = await failure(store.ping());
      expect(first.err).toBeInstanceOf(StoreUnavailableError);
      expect(first.elapsedMs).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + SLACK_MS);
      await redis.server.restart();
      await eventually(() => store.ping(), 5_000);
      expect(logs).toContain('state store connected');
    });
  },
  { requireBinary: true },
);
