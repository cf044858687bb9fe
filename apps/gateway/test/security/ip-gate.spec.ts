/**
 * Attack suite — the IP gate against the real SentraIP simulator and OAuth broker processes:
 * X-Forwarded-For from an untrusted hop is ignored (it can neither dodge a block nor frame another
 * address); behind a trusted proxy an address the simulator scores 9 is blocked with 403 and a
 * security incident, one scored 0 (or 7, under the threshold of 8) passes; the first request
 * from an unknown address never waits longer than the reputation budget (it proceeds, degraded and
 * on record) and the late verdict applies from then on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { readOutbox } from './support/outbox.js';
import { callTool, resultOf, sleep } from './support/rpc.js';
import { BROKER_SERVICE_TOKEN, startSentraIp, type SentraIp } from './support/sentraip.js';
import { expectUntouched, mark } from './support/upstream-guard.js';

let sentraip: SentraIp;
let upstream: FakeMcpUpstream;
let trusting: GatewayHarness;
let untrusting: GatewayHarness;
let budgeted: GatewayHarness;
const BUDGET_MS = 200;

const gatewayWith = (ipGate: Record<string, unknown>) =>
  startGateway({
    env: { BROKER_URL: sentraip.broker.url, BROKER_SERVICE_TOKEN },
    file: { ipGate, upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] },
  });
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
const lastRequestEvent = async (g: GatewayHarness): Promise<AuditEvent | undefined> =>
  (await readOutbox(g.store)).filter((e) => e.type === 'mcp.request').at(-1);

beforeAll(async () => {
  [sentraip, upstream] = await Promise.all([
    startSentraIp(),
    startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] }),
  ]);
  // A generous budget where the test is about the verdict itself, a tight one where it is about the wait.
  trusting = await gatewayWith({
    trustedProxies: ['127.0.0.1/32'],
    reputation: { budgetMs: 4000 },
  });
  untrusting = await gatewayWith({ reputation: { budgetMs: 4000 } });
  budgeted = await gatewayWith({
    trustedProxies: ['127.0.0.1/32'],
    reputation: { budgetMs: BUDGET_MS },
  });
  await Promise.all([trusting, untrusting, budgeted].map((g) => g.core.catalogue.ensureLoaded()));
}, 60_000);
afterAll(async () => {
  await Promise.all([trusting?.close(), untrusting?.close(), budgeted?.close()]);
  await upstream?.close();
  await sentraip?.stop();
});

describe('X-Forwarded-For', () => {
  it('from an untrusted hop is ignored: it cannot frame a malicious address…', async () => {
    resultOf(await callTool(untrusting.mcpUrl, 'up__echo', { text: 'x' }, from('203.0.113.9')));
    expect(await lastRequestEvent(untrusting)).toMatchObject({
      client_ip: '127.0.0.1',
      decision: 'allow',
    });
  });

  it('…nor dodge a block on its real address', async () => {
    await untrusting.core.blocklist.add('127.0.0.1', 60, 'attack suite');
    try {
      const before = mark(upstream);
      const answer = await callTool(
        untrusting.mcpUrl,
        'up__echo',
        { text: 'x' },
        from('192.0.2.1'),
      );
      expect(answer.status).toBe(403);
      expect(answer.json?.['error']).toEqual({ code: -32000, message: 'access denied' });
      expectUntouched(before);
    } finally {
      await untrusting.core.blocklist.remove('127.0.0.1');
    }
  });

  it('behind a trusted proxy, only the right-most untrusted hop counts (entries the client wrote are not believed)', async () => {
    const before = mark(upstream);
    // The client wrote 192.0.2.10; the proxy appended the real address, 203.0.113.9.
    expect(
      (await callTool(trusting.mcpUrl, 'up__echo', { text: 'x' }, from('192.0.2.10, 203.0.113.9')))
        .status,
    ).toBe(403);
    expectUntouched(before);
    // The client wrote 203.0.113.9 to frame it; the real address is 192.0.2.10.
    resultOf(
      await callTool(trusting.mcpUrl, 'up__echo', { text: 'x' }, from('203.0.113.9, 192.0.2.10')),
    );
    expect(await lastRequestEvent(trusting)).toMatchObject({ client_ip: '192.0.2.10' });
  });
});

describe('SentraIP reputation (simulator → broker → gateway)', () => {
  it('an address the simulator scores 9 is blocked with 403 and a security incident; nothing is forwarded', async () => {
    const before = mark(upstream);
    const answer = await callTool(trusting.mcpUrl, 'up__echo', { text: 'x' }, from('203.0.113.21'));
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: 'access denied' },
    });
    expectUntouched(before);
    const events = await readOutbox(trusting.store);
    expect(events.filter((e) => e.client_ip === '203.0.113.21')).toEqual([
      expect.objectContaining({
        type: 'security.incident',
        decision: 'deny',
        reason: 'threat_blocked',
        status: 403,
        threat_score: 9,
      }),
      expect.objectContaining({
        type: 'mcp.request',
        decision: 'deny',
        reason: 'threat_blocked',
        status: 403,
        threat_score: 9,
        degraded: false,
      }),
    ]);
  });

  it('an address scored 0 passes, and so does one scored 7 (under the threshold of 8)', async () => {
    resultOf(await callTool(trusting.mcpUrl, 'up__echo', { text: 'clean' }, from('192.0.2.1')));
    expect(await lastRequestEvent(trusting)).toMatchObject({
      client_ip: '192.0.2.1',
      decision: 'allow',
      threat_score: 0,
      degraded: false,
    });
    resultOf(
      await callTool(trusting.mcpUrl, 'up__echo', { text: 'borderline' }, from('203.0.113.70')),
    );
    expect(await lastRequestEvent(trusting)).toMatchObject({
      client_ip: '203.0.113.70',
      threat_score: 7,
    });
  });

  it('the first request from an unknown address never waits longer than the budget; the late verdict applies next', async () => {
    // Warm the broker's OAuth token, then make every SentraIP answer slow.
    resultOf(await callTool(budgeted.mcpUrl, 'up__echo', { text: 'warm' }, from('192.0.2.2')));
    await sentraip.faults({ latency_ms: 1200 });
    try {
      const first = await callTool(
        budgeted.mcpUrl,
        'up__echo',
        { text: 'first' },
        from('203.0.113.77'),
      );
      expect(first.status).toBe(200); // reputation is an enrichment: over budget, the request proceeds…
      expect(first.ms).toBeLessThan(BUDGET_MS + 700);
      expect(await lastRequestEvent(budgeted)).toMatchObject({
        client_ip: '203.0.113.77',
        decision: 'allow',
        degraded: true,
      }); // …on record

      // The lookup went on and filled the cache: the same address is blocked once the verdict is in.
      let status = 0;
      for (let i = 0; i < 40 && status !== 403; i += 1) {
        await sleep(100);
        status = (
          await callTool(budgeted.mcpUrl, 'up__echo', { text: 'later' }, from('203.0.113.77'))
        ).status;
      }
      expect(status).toBe(403);
    } finally {
      await sentraip.faults({ reset: true });
    }
  });
});
