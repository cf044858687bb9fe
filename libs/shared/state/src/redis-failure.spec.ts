import { describeWithRedis } from '@mcpgw/testing';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, uniqueTestPrefix } from './contract/harness.js';
import { deleteKeysByPrefix } from './contract/redis-keys.js';
import { StoreUnavailableError } from './errors.js';
import { RedisStateStore, type RedisStateStoreOptions } from './redis-store.js';
import type { StateStore } from './state-store.js';

const COMMAND_TIMEOUT_MS = 300;
// What a loaded 2-core machine may add to a bounded wait; still far below "hangs".
const SLACK_MS = 400;
const LOG_WAIT = { timeout: 5_000 };

/** Settles `promise` and returns the rejection with the time it took. */
async function failure(promise: Promise<unknown>): Promise<{ err: unknown; elapsedMs: number }> {
  const started = Date.now();
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, elapsedMs: Date.now() - started };
}

describeWithRedis(
  'RedisStateStore when Redis fails',
  (redis) => {
    const prefix = uniqueTestPrefix('redis-failure');
    const opened: StateStore[] = [];
    const logs: string[] = [];
    const open = (overrides: Partial<RedisStateStoreOptions> = {}): StateStore => {
      const record = (message: string) => logs.push(message);
      const store = new RedisStateStore({
        redisUrl: redis.url,
        keyPrefix: prefix,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        maxReconnectDelayMs: 100,
        logger: { info: record, warn: record, error: record },
        ...overrides,
      });
      opened.push(store);
      return store;
    };
    const serverUp = async (): Promise<void> => {
      await redis.server.resume();
      if (!redis.server.running) await redis.server.restart();
    };

    beforeEach(async () => {
      logs.length = 0;
      await serverUp();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await serverUp();
      await deleteKeysByPrefix(redis.url, prefix);
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
      // ioredis may fail commands on the half-closed socket before it emits `close`.
      await expect.poll(() => logs, LOG_WAIT).toContain('state store connection lost');

      await redis.server.restart();
      // Same instance, not recreated: it reconnects by itself (data is gone: no persistence).
      await eventually(async () => expect(await store.get('k')).toBeNull(), 5_000);
      expect(await store.set('k', 'after')).toBe(true);
      expect(await store.get('k')).toBe('after');
      await expect.poll(() => logs, LOG_WAIT).toContain('state store reconnected');
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
      await expect.poll(() => logs, LOG_WAIT).toContain('state store connected');
    });

    describe('many commands waiting for one reconnect', () => {
      const CONCURRENT = 60;
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => {
        warnings.push(warning);
      };
      beforeEach(() => {
        warnings.length = 0;
        process.on('warning', onWarning);
      });
      afterEach(() => {
        process.off('warning', onWarning);
      });
      /** Warnings are emitted on a later turn of the event loop. */
      const listenerWarnings = async (): Promise<string[]> => {
        await nextTurn();
        await sleep(20);
        return warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String);
      };
      const outage = async (store: StateStore): Promise<void> => {
        await store.ping();
        await redis.server.stop();
        await expect.poll(() => logs, LOG_WAIT).toContain('state store connection lost');
      };

      it(`${CONCURRENT} concurrent commands all succeed once Redis is back, without a listener leak`, async () => {
        // A budget long enough for a restart, so every command waits for the same reconnect.
        const store = open({ commandTimeoutMs: 10_000 });
        await outage(store);
        const calls = Array.from({ length: CONCURRENT }, (_, i) => store.get(`wait:${i}`));
        await redis.server.restart();
        const results = await Promise.allSettled(calls);
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(results.map((r) => r.status === 'fulfilled' && r.value)).toEqual(
          Array(CONCURRENT).fill(null),
        );
        expect(await listenerWarnings()).toEqual([]);
      });

      it(`${CONCURRENT} concurrent commands all fail with disconnected within the budget when Redis stays down`, async () => {
        const budgetMs = 1_000;
        const store = open({ commandTimeoutMs: budgetMs });
        await outage(store);
        const started = Date.now();
        const results = await Promise.all(
          Array.from({ length: CONCURRENT }, (_, i) => failure(store.get(`down:${i}`))),
        );
        for (const { err } of results) {
          expect(err).toBeInstanceOf(StoreUnavailableError);
          expect(err).toMatchObject({ reason: 'disconnected' });
        }
        expect(Date.now() - started).toBeLessThanOrEqual(budgetMs + SLACK_MS);
        expect(await listenerWarnings()).toEqual([]);
        // Later commands of the same outage fail at once instead of waiting again.
        const late = await failure(store.get('late'));
        expect(late.err).toMatchObject({ reason: 'disconnected' });
        expect(late.elapsedMs).toBeLessThan(budgetMs);
      });

      it('fails waiting commands with closed as soon as the store is closed', async () => {
        const store = open({ commandTimeoutMs: 10_000 });
        await outage(store);
        const started = Date.now();
        const waiting = Array.from({ length: CONCURRENT }, (_, i) => failure(store.get(`c:${i}`)));
        await store.close();
        for (const { err } of await Promise.all(waiting))
          expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', reason: 'closed' });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(await listenerWarnings()).toEqual([]);
      });
    });
  },
  { requireBinary: true },
);
