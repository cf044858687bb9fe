import { describeWithRedis } from '@mcpgw/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createMemoryBackend, MemoryStateStore } from './memory-store.js';
import { RedisStateStore } from './redis-store.js';
import type { AdmissionRequest, AdmissionResult } from './state-store.js';

// Its own redis-server (requireBinary): the slow log below must see only this file's clients.
describeWithRedis(
  'RedisStateStore admission: round trips and parity with memory',
  (redis) => {
    let raw: Redis;
    let rawAddr = '';
    const opened: RedisStateStore[] = [];
    const open = (keyPrefix: string): RedisStateStore => {
      const store = new RedisStateStore({ redisUrl: redis.url, keyPrefix });
      opened.push(store);
      return store;
    };
    beforeAll(async () => {
      raw = new Redis(redis.url);
      const info = String(await raw.call('CLIENT', 'INFO'));
      rawAddr = /\baddr=(\S+)/.exec(info)?.[1] ?? '';
      // Every command, however fast, goes to the slow log with the address of its client;
      // commands a Lua script runs are logged with the address "?:0".
      await raw.config('SET', 'slowlog-log-slower-than', '0');
      await raw.config('SET', 'slowlog-max-len', '10000');
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    afterAll(() => raw.disconnect());

    /** The commands clients other than `raw` sent to the server while `fn` ran (round trips). */
    async function requestsDuring(fn: () => Promise<unknown>): Promise<string[]> {
      await raw.slowlog('RESET');
      await fn();
      const log = (await raw.slowlog('GET', 10_000)) as Array<
        [number, number, number, string[], string]
      >;
      return log
        .filter(([, , , , addr]) => addr !== '?:0' && addr !== rawAddr)
        .map(([, , , args]) => String(args[0]).toUpperCase());
    }

    const fullRequest = (i: number): AdmissionRequest => ({
      buckets: [
        { key: 'client', capacity: 100, refillPerSecond: 10 },
        { key: 'tool', capacity: 100, refillPerSecond: 1 },
      ],
      quotas: [
        { key: 'day', limit: 1_000, windowTtlMs: 86_400_000 },
        { key: 'month', limit: 10_000, windowTtlMs: 2_678_400_000 },
      ],
      append: { stream: 'audit', fields: { i: String(i) }, maxLenApprox: 1_000 },
    });

    it('admits 2 buckets + 2 quotas + an append in one round trip', async () => {
      const store = open('rt-admit:');
      await store.ping();
      // A fresh server has no script cached: EVALSHA answers NOSCRIPT, EVAL follows.
      const first = await requestsDuring(() => store.admit(fullRequest(0)));
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first.length).toBeLessThanOrEqual(2);
      for (let i = 1; i <= 3; i++) {
        let result: AdmissionResult | undefined;
        expect(
          await requestsDuring(async () => (result = await store.admit(fullRequest(i)))),
        ).toEqual(['EVALSHA']);
        expect(result).toMatchObject({ allowed: true, quotas: [{ used: i + 1 }, { used: i + 1 }] });
      }
    });

    it('appends a batch of 10 in one round trip, and an empty batch in none', async () => {
      const store = open('rt-batch:');
      await store.ping();
      const batch = Array.from({ length: 10 }, (_, i) => ({ i: String(i) }));
      await store.streamAppendMany('warm', batch);
      let ids: string[] = [];
      expect(
        await requestsDuring(async () => (ids = await store.streamAppendMany('s', batch))),
      ).toEqual(['EVALSHA']);
      expect(ids).toHaveLength(10);
      expect(await requestsDuring(() => store.streamAppendMany('s', []))).toEqual([]);
    });

    it('decides every admission exactly like the memory store (property, no refill)', async () => {
      const item = fc.integer({ min: 0, max: 3 });
      const step = fc.record({
        buckets: fc.uniqueArray(fc.record({ key: item, cost: fc.integer({ min: 0, max: 3 }) }), {
          selector: (b) => b.key,
          maxLength: 3,
        }),
        quotas: fc.uniqueArray(fc.record({ key: item, cost: fc.integer({ min: 0, max: 2 }) }), {
          selector: (q) => q.key,
          maxLength: 2,
        }),
        append: fc.boolean(),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 15 }), async (steps) => {
          run++;
          const onRedis = open(`parity:${run}:`);
          const inMemory = new MemoryStateStore({ backend: createMemoryBackend() });
          try {
            for (const [n, s] of steps.entries()) {
              // Without refill the outcome is independent of the two stores' clocks.
              const request: AdmissionRequest = {
                buckets: s.buckets.map((b) => ({
                  key: `b${b.key}`,
                  capacity: 2 + b.key,
                  refillPerSecond: 0,
                  cost: b.cost,
                })),
                quotas: s.quotas.map((q) => ({
                  key: `q${q.key}`,
                  limit: 3,
                  windowTtlMs: 60_000,
                  cost: q.cost,
                })),
                ...(s.append && { append: { stream: 'audit', fields: { n: String(n) } } }),
              };
              const [fromRedis, fromMemory] = await Promise.all([
                onRedis.admit(request),
                inMemory.admit(request),
              ]);
              const comparable = (r: AdmissionResult) => ({
                ...r,
                quotas: r.quotas.map((q) => ({ used: q.used, allowed: q.allowed })),
                appendedId: r.appendedId === undefined ? undefined : 'id',
              });
              expect(comparable(fromRedis)).toEqual(comparable(fromMemory));
            }
            expect(await onRedis.streamLength('audit')).toBe(await inMemory.streamLength('audit'));
          } finally {
            await inMemory.close();
            await raw.eval(
              "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
              0,
              `parity:${run}:*`,
            );
          }
        }),
        { numRuns: 60 },
      );
    });
  },
  { requireBinary: true },
);
