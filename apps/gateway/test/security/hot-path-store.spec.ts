/**
 * The hot path's use of the shared store with every stage on (API key, RBAC, a client policy
 * with client and per-tool buckets and daily/monthly quotas, validation, sanitization, audit), on
 * a real Redis: before a tools/call reaches its upstream the gateway makes exactly one store call
 * (the atomic admission: buckets, quotas and the write-ahead record — one EVALSHA, see
 * @mcpgw/state's round-trip tests); after it, the request's audit event shares one batched write
 * with the events of the requests finishing alongside it. Also: audit events carry the call's
 * arguments only under `audit.includeArguments`, with secrets masked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { describeWithRedis, echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { readOutbox } from './support/outbox.js';
import { callTool, http, resultOf } from './support/rpc.js';

const ADMIN_KEY = 'admin-key-for-hot-path-tests-0001';
let upstream: FakeMcpUpstream;
beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
});
afterAll(async () => {
  await upstream?.close();
});

interface StoreCall {
  method: string;
  at: number;
}

/** Periodic re-reads that heal missed pub/sub messages run on timers, not per request. */
const BACKGROUND_KEYS = /^(blocklist:|upstreams:overlay)/;

/** Every StateStore method call the gateway makes (each is one round trip by the store's contract). */
function countingStore(inner: StateStore): { store: StateStore; calls: StoreCall[] } {
  const calls: StoreCall[] = [];
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!(typeof args[0] === 'string' && BACKGROUND_KEYS.test(args[0]))) calls.push({ method: String(prop), at: performance.now() });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

async function start(redisUrl: string, includeArguments: boolean): Promise<{ gateway: GatewayHarness; calls: StoreCall[]; key: string }> {
  const counting = countingStore(createStateStore({ redisUrl, keyPrefix: `hp${Date.now()}:` }));
  const gateway = await startGateway({
    openAccess: false,
    store: counting.store,
    env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
    file: {
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      clients: [
        {
          id: 'busy-client',
          rateLimit: { capacity: 10_000, refillPerSecond: 1_000 },
          toolRateLimits: { 'up__*': { capacity: 10_000, refillPerSecond: 1_000 } },
          quotas: { daily: 100_000, monthly: 1_000_000 },
        },
      ],
      sanitize: { secrets: true, pii: true },
      audit: { includeArguments },
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    },
  });
  const created = await http(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    body: { owner: 'carol', roles: ['echo-user'], client_id: 'busy-client' },
  });
  expect(created.status, created.text).toBe(201);
  return { gateway, calls: counting.calls, key: String(created.json?.['key']) };
}

describeWithRedis('the hot path and the shared store (real Redis)', (redis) => {
  it('one store call before a tools/call is forwarded, and batched audit writes after', async () => {
    const { gateway, calls, key } = await start(redis.url, false);
    const headers = { authorization: `Bearer ${key}` };
    try {
      resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'warm-up' }, { headers })); // key lookup, catalogue
      await new Promise((r) => setTimeout(r, 100));

      for (let i = 0; i < 5; i += 1) {
        const sent = performance.now();
        const arrivalsBefore = upstream.calls.length;
        resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: `sequential ${i}` }, { headers }));
        expect(upstream.calls.length).toBe(arrivalsBefore + 1);
        const during = calls.filter((c) => c.at >= sent).map((c) => c.method);
        // The admission (buckets + quotas + write-ahead in one atomic script), then the final event.
        expect(during).toEqual(['admit', 'streamAppendMany']);
      }

      const before = calls.length;
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => callTool(gateway.mcpUrl, 'up__echo', { text: `concurrent ${i}` }, { headers })),
      );
      for (const answer of answers) resultOf(answer);
      const concurrent = calls.slice(before).map((c) => c.method);
      expect(concurrent.filter((m) => m === 'admit')).toHaveLength(30);
      expect(concurrent.filter((m) => m !== 'admit' && m !== 'streamAppendMany')).toEqual([]);
      // At most one write per request; requests finishing in the same turn share one (how many do
      // depends on scheduling, so the coalescing itself is pinned by audit-recorder.spec.ts).
      expect(concurrent.filter((m) => m === 'streamAppendMany').length).toBeLessThanOrEqual(30);

      const outbox = await readOutbox(gateway.store);
      const forwards = outbox.filter((e) => e.type === 'mcp.forward');
      expect(forwards.length).toBe(36);
      expect(outbox.filter((e) => e.type === 'mcp.request' && e.tool === 'up__echo').length).toBe(36);
      expect(outbox.every((e) => e.arguments === undefined)).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('audit events carry the arguments, secrets masked, only under audit.includeArguments', async () => {
    const { gateway, key } = await start(redis.url, true);
    try {
      const secret = 'sk-ant-api03-' + 'A'.repeat(40);
      resultOf(
        await callTool(gateway.mcpUrl, 'up__echo', { text: `use ${secret} please, password=hunter2hunter2` }, { headers: { authorization: `Bearer ${key}` } }),
      );
      const outbox = await readOutbox(gateway.store);
      const request = outbox.find((e) => e.type === 'mcp.request' && e.tool === 'up__echo');
      const forward = outbox.find((e) => e.type === 'mcp.forward');
      for (const event of [request, forward]) {
        expect(event?.arguments).toBeDefined();
        const text = JSON.stringify(event?.arguments);
        expect(text).toContain('use ');
        expect(text).not.toContain(secret);
        expect(text).not.toContain('hunter2hunter2');
      }
      // The JSON log never carries arguments, whatever the audit policy.
      const logged = gateway.logLines.filter((l) => l.includes('"message":"audit"'));
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.some((l) => l.includes('use sk-') || l.includes('hunter2'))).toBe(false);
    } finally {
      await gateway.close();
    }
  });
});
