/**
 * Decision and audit-relay metrics: `gateway_decisions_total{decision,reason,type}` counts each
 * finished request once with its bounded reason code; the relay stamps
 * `gateway_audit_relay_last_success_timestamp_seconds` after a shipped batch; the scrape-time
 * `gateway_audit_outbox_pending` keeps its last value (and /metrics keeps answering) when the store fails.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '@mcpgw/state';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { createAuditMetrics, reasonLabel } from '../src/audit/audit-metrics.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { callTool, http } from './security/support/rpc.js';

/** A collector stand-in answering every batch 202. */
async function startAcceptingCollector(): Promise<{ url: string; batches: () => number; close(): Promise<void> }> {
  let batches = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      batches += 1;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batches: () => batches,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('gateway decision metrics (real gateway)', () => {
  let upstream: FakeMcpUpstream;
  let collector: Awaited<ReturnType<typeof startAcceptingCollector>>;
  let gateway: GatewayHarness;
  let closed: GatewayHarness | undefined;

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
    collector = await startAcceptingCollector();
    gateway = await startGateway({
      env: { COLLECTOR_URL: collector.url },
      file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] },
    });
    closed = await startGateway({ openAccess: false });
  });
  afterAll(async () => {
    await gateway?.close();
    await closed?.close();
    await upstream?.close();
    await collector?.close();
  });

  it('counts an allowed call, an unknown tool and a REST call under their own labels', async () => {
    const allowed = await callTool(gateway.mcpUrl, 'up__echo', { text: 'hi' });
    expect(allowed.status).toBe(200);
    expect(allowed.json?.['error']).toBeUndefined();
    const unknown = await callTool(gateway.mcpUrl, 'up__nope', { text: 'hi' });
    expect(unknown.json?.['error']).toBeDefined();
    await callTool(gateway.mcpUrl, 'up__nope', {});
    const rest = await http(`${gateway.url}/mcp/call/up__echo`, { method: 'POST', body: { text: 'rest' } });
    expect(rest.status).toBe(200);

    const r = gateway.registry;
    expect(await metricValue(r, 'gateway_decisions_total', { decision: 'allow', reason: 'none', type: 'mcp.request' })).toBe(1);
    expect(await metricValue(r, 'gateway_decisions_total', { decision: 'deny', reason: 'unknown_tool', type: 'mcp.request' })).toBe(2);
    expect(await metricValue(r, 'gateway_decisions_total', { decision: 'allow', reason: 'none', type: 'rest.request' })).toBe(1);
    const { values } = await r.getSingleMetric('gateway_decisions_total')!.get();
    // Bounded labels: no tool names or caller identities leak into the series.
    expect(values.map((v) => v.labels['reason'])).not.toContain('up__nope');
    expect(values.reduce((sum, v) => sum + v.value, 0)).toBe(4);
  });

  it('counts an unauthenticated call as deny with its reason code', async () => {
    const answer = await callTool(closed!.mcpUrl, 'anything', {});
    expect(answer.status).toBe(401);
    const { values } = await closed!.registry.getSingleMetric('gateway_decisions_total')!.get();
    expect(values).toHaveLength(1);
    expect(values[0]!.labels).toMatchObject({ decision: 'deny', type: 'mcp.request' });
    expect(values[0]!.labels['reason']).toMatch(/^[a-z0-9_]+$/);
    expect(values[0]!.labels['reason']).not.toBe('none');
    expect(values[0]!.value).toBe(1);
  });

  it('stamps the relay success time after a batch is shipped, and serves the outbox gauge on /metrics', async () => {
    const before = Date.now() / 1000;
    const batches = collector.batches();
    await callTool(gateway.mcpUrl, 'up__echo', { text: 'ship me' });
    await until(async () => collector.batches() > batches, 'a batch at the collector');
    await until(async () => ((await metricValue(gateway.registry, 'gateway_audit_relay_last_success_timestamp_seconds')) ?? 0) >= before, 'the relay timestamp');
    const stamped = (await metricValue(gateway.registry, 'gateway_audit_relay_last_success_timestamp_seconds'))!;
    expect(stamped).toBeLessThanOrEqual(Date.now() / 1000);

    const scrape = await http(`${gateway.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.text).toMatch(/^gateway_audit_outbox_pending(\{[^}]*\})? \d+$/m);
    expect(scrape.text).toMatch(/^gateway_decisions_total\{[^}]*decision="allow"/m);
  });

  it('leaves the relay timestamp unset while nothing was shipped', async () => {
    // The closed gateway's collector is a dead port: its relay never succeeds.
    await callTool(closed!.mcpUrl, 'anything', {});
    expect(await metricValue(closed!.registry, 'gateway_audit_relay_last_success_timestamp_seconds')).toBe(0);
  });
});

describe('gateway_audit_outbox_pending (scrape-time read)', () => {
  const storeAnswering = (answer: () => Promise<number>) => ({ streamPendingCount: answer }) as unknown as StateStore;

  it('reports the store count, and keeps the last value when the store fails or stalls', async () => {
    let answer: () => Promise<number> = async () => 3;
    const registry = new Registry();
    createAuditMetrics(registry, storeAnswering(() => answer()));
    expect(await metricValue(registry, 'gateway_audit_outbox_pending')).toBe(3);

    answer = () => Promise.reject(new Error('store down'));
    await expect(registry.metrics()).resolves.toMatch(/^gateway_audit_outbox_pending 3$/m);

    answer = () => new Promise<number>(() => undefined); // never answers
    const started = Date.now();
    await expect(registry.metrics()).resolves.toMatch(/^gateway_audit_outbox_pending 3$/m);
    expect(Date.now() - started).toBeLessThan(5_000);

    answer = async () => 7;
    expect(await metricValue(registry, 'gateway_audit_outbox_pending')).toBe(7);
  });
});

describe('reasonLabel', () => {
  it('keeps snake_case codes, names absence `none` and folds anything else into `other`', () => {
    expect(reasonLabel(undefined)).toBe('none');
    expect(reasonLabel('')).toBe('none');
    expect(reasonLabel('unknown_tool')).toBe('unknown_tool');
    expect(reasonLabel('rpc_error_32603')).toBe('rpc_error_32603');
    expect(reasonLabel('up__Tool Name')).toBe('other');
    expect(reasonLabel('x'.repeat(65))).toBe('other');
  });
});
