/**
 * Attack suite — Redis stopped under load (security controls fail closed). While the store is
 * down, API-key authentication (uncached keys) and rate limiting answer 503 with Retry-After
 * within the store's command timeout — never 401, never 429, never a forwarded call; every call
 * that reached the upstream had its write-ahead `mcp.forward` record acknowledged by Redis first;
 * and service returns by itself within 5 s of Redis coming back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import {
  describeWithRedis,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
  type FakeTool,
} from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { recordingStore, type RecordingStore } from './support/recording-store.js';
import { callTool, freshTrace, resultOf, sleep } from './support/rpc.js';

const ADMIN_KEY = 'admin-key-for-security-tests-0003';
const COMMAND_TIMEOUT_MS = 500;
const SCENARIOS = ['cached-key', 'cold-key', 'admin'] as const;

interface Arrival {
  text: string;
  at: number;
}
interface Outcome {
  scenario: 'cached-key' | 'cold-key' | 'admin';
  text: string;
  traceId: string;
  started: number;
  ended: number;
  status: number;
  retryAfter: string | null;
  error?: unknown;
}

describeWithRedis(
  'Redis stopped under load (real redis-server)',
  (redis) => {
    const arrivals: Arrival[] = [];
    const stampTool: FakeTool = {
      name: 'stamp',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      handler: (args) => {
        arrivals.push({ text: String(args['text']), at: performance.now() });
        return { content: [{ type: 'text', text: 'stamped' }] };
      },
    };
    let telemetry: { shutdown(): Promise<void> };
    let upstream: FakeMcpUpstream;
    let gateway: GatewayHarness;
    let recording: RecordingStore;
    let cachedKey: string;
    const coldKeys: string[] = [];
    let runs = 0;

    beforeAll(async () => {
      // Real trace ids, so each upstream arrival can be matched to its write-ahead record.
      telemetry = await startTelemetry({ serviceName: 'gateway-redis-outage-test' });
      upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [stampTool] });
      recording = recordingStore(
        createStateStore({
          redisUrl: redis.url,
          keyPrefix: 'gw:',
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
          maxReconnectDelayMs: 500,
        }),
      );
      gateway = await startGateway({
        openAccess: false,
        store: recording.store,
        env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
        file: {
          toolSets: { stampers: { requiredRole: 'stamper', tools: ['up__stamp'] } },
          defaultRateLimit: { capacity: 100_000, refillPerSecond: 100_000 },
          ipGate: { reputation: { enabled: false } },
          upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
        },
      });
      cachedKey = (await gateway.core.apiKeys.create({ owner: 'cached-owner', roles: ['stamper'] }))
        .key;
      for (let i = 0; i < 300; i += 1)
        coldKeys.push(
          (await gateway.core.apiKeys.create({ owner: `cold-${i}`, roles: ['stamper'] })).key,
        );
      resultOf(
        await callTool(
          gateway.mcpUrl,
          'up__stamp',
          { text: 'warm-up' },
          { headers: { 'x-api-key': cachedKey } },
        ),
      );
    });
    afterAll(async () => {
      await gateway?.close();
      await upstream?.close();
      await telemetry?.shutdown();
    });

    /** Runs twelve callers in a loop (cached key, never-used keys, admin key) around `outage`. */
    async function underLoad(
      outage: () => Promise<{ down: number; restartBegins: number; back: number }>,
    ) {
      const outcomes: Outcome[] = [];
      let stopLoad = false;
      const run = (runs += 1);
      let seq = 0;
      const worker = async (w: number) => {
        for (let i = 0; i < 10_000 && !stopLoad; i += 1) {
          const scenario = SCENARIOS[(w + i) % SCENARIOS.length] ?? 'admin';
          const key =
            scenario === 'cached-key'
              ? cachedKey
              : scenario === 'cold-key'
                ? coldKeys.pop()
                : undefined;
          if (scenario === 'cold-key' && key === undefined) continue;
          const headers: Record<string, string> = key
            ? { 'x-api-key': key }
            : { authorization: `Bearer ${ADMIN_KEY}` };
          const { traceId, traceparent } = freshTrace();
          const text = `run-${run}-call-${(seq += 1)}`;
          const started = performance.now();
          try {
            const answer = await callTool(
              gateway.mcpUrl,
              'up__stamp',
              { text },
              { headers: { ...headers, traceparent } },
            );
            outcomes.push({
              scenario,
              text,
              traceId,
              started,
              ended: performance.now(),
              status: answer.status,
              retryAfter: answer.headers.get('retry-after'),
            });
          } catch (error) {
            outcomes.push({
              scenario,
              text,
              traceId,
              started,
              ended: performance.now(),
              status: 0,
              retryAfter: null,
              error,
            });
          }
          await sleep(10);
        }
      };
      const load = Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
      await sleep(600);
      const times = await outage();
      // Service must return by itself: wait (bounded) for the first admitted call after Redis is back.
      for (
        let i = 0;
        i < 200 && !outcomes.some((o) => o.started > times.back && o.status === 200);
        i += 1
      )
        await sleep(50);
      await sleep(1500);
      stopLoad = true;
      await load;
      return { outcomes, ...times };
    }

    function expectFailedClosed(run: Awaited<ReturnType<typeof underLoad>>): void {
      const { outcomes, down, restartBegins, back } = run;
      // While Redis was down: 503 with Retry-After — never 401/429/200 — within two command timeouts
      // (the refusing control's, then the audit write of the refusal) plus scheduling slack.
      const duringOutage = outcomes.filter((o) => o.started > down + 50 && o.ended < restartBegins);
      expect(duringOutage.length).toBeGreaterThan(10);
      expect(new Set(duringOutage.map((o) => o.status))).toEqual(new Set([503]));
      for (const o of duringOutage) {
        expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(o.ended - o.started).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + 1500);
      }
      expect(new Set(duringOutage.map((o) => o.scenario))).toEqual(new Set(SCENARIOS));

      // Nothing reached the upstream while Redis was down…
      expect(
        arrivals.filter((a) => a.at > down + COMMAND_TIMEOUT_MS * 2 && a.at < restartBegins),
      ).toEqual([]);
      // …and every call that did reach it had its write-ahead record acknowledged by Redis before.
      const traceOf = new Map(outcomes.map((o) => [o.text, o.traceId]));
      const forwards = recording.acked.filter((r) => r.type === 'mcp.forward');
      const loadArrivals = arrivals.filter((a) => traceOf.has(a.text));
      expect(loadArrivals.length).toBeGreaterThan(10);
      for (const arrival of loadArrivals) {
        const record = forwards.find((r) => r.traceId === traceOf.get(arrival.text));
        expect(record, `write-ahead record of ${arrival.text}`).toBeDefined();
        expect(record?.at).toBeLessThan(arrival.at);
      }

      // Service returned by itself within 5 s of Redis coming back.
      const firstOk = outcomes
        .filter((o) => o.started > back && o.status === 200)
        .sort((p, q) => p.ended - q.ended)[0];
      expect(firstOk, 'an admitted call after Redis came back').toBeDefined();
      expect((firstOk?.ended ?? Infinity) - back).toBeLessThan(5000);
      expect(outcomes.filter((o) => o.status === 0)).toEqual([]);
    }

    it('Redis stopped: 503 + Retry-After from authentication and rate limiting, nothing forwarded unrecorded, back within 5 s', async () => {
      const run = await underLoad(async () => {
        await redis.server.stop();
        const down = performance.now();
        await sleep(2500);
        const restartBegins = performance.now();
        await redis.server.restart();
        return { down, restartBegins, back: performance.now() };
      });
      expectFailedClosed(run);
      // Both controls said no: authentication (no principal yet) and rate limiting (the cached key's owner).
      const refusals = gateway.logLines
        .map(
          (line) =>
            JSON.parse(line) as {
              message?: string;
              audit?: { reason?: string; user?: string; status?: number };
            },
        )
        .filter(
          (r) =>
            r.message === 'audit' &&
            r.audit?.reason === 'store_unavailable' &&
            r.audit.status === 503,
        );
      expect(refusals.some((r) => r.audit?.user === undefined)).toBe(true);
      expect(refusals.some((r) => r.audit?.user === 'cached-owner')).toBe(true);
    }, 40_000);

    it('Redis hung (SIGSTOP): the same within two command timeouts, and keys work again once it resumes', async () => {
      // The restart above lost Redis' data (no persistence): issue the keys again.
      cachedKey = (await gateway.core.apiKeys.create({ owner: 'cached-owner', roles: ['stamper'] }))
        .key;
      coldKeys.length = 0;
      for (let i = 0; i < 300; i += 1)
        coldKeys.push(
          (await gateway.core.apiKeys.create({ owner: `cold-${i}`, roles: ['stamper'] })).key,
        );
      const run = await underLoad(async () => {
        await redis.server.pause();
        const down = performance.now();
        // Long enough that every scenario sees a complete refusal even on a loaded 2-core machine
        // (a hung Redis costs each request up to two command timeouts).
        await sleep(5000);
        const restartBegins = performance.now();
        await redis.server.resume();
        return { down, restartBegins, back: performance.now() };
      });
      expectFailedClosed(run);
      // Nothing was lost: the never-used keys are honoured again after the hang.
      const coldAfter = run.outcomes.filter(
        (o) => o.scenario === 'cold-key' && o.started > run.back + 500,
      );
      expect(coldAfter.length).toBeGreaterThan(0);
      expect(coldAfter.every((o) => o.status === 200)).toBe(true);
    }, 40_000);
  },
  { requireBinary: true },
);
