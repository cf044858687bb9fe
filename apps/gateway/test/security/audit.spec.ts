/**
 * Attack suite — the audit trail: exactly one `mcp.request` event per request (allowed, denied,
 * unauthenticated), written before the answer, with the fields and never the arguments or
 * the caller's secrets; a write-ahead `mcp.forward` record precedes every forwarded call; the relay
 * ships the outbox to a test receiver standing in for the collector at least once, with event ids
 * that make the duplicates of a retried batch removable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { validateAuditEvent, type AuditEvent } from '@mcpgw/tool-schemas';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { startCollectorReceiver, type CollectorReceiver } from './support/collector-receiver.js';
import { recordedEvents } from './support/outbox.js';
import { callTool, freshTrace, http, rpc, sleep, type Answer } from './support/rpc.js';

const COLLECTOR_TOKEN = 'svc-collector-token-for-security-tests';
const SECRET_ARGUMENT = 'my-credit-card-is-4111111111111111-and-pin-4242';
let telemetry: { shutdown(): Promise<void> };
let upstream: FakeMcpUpstream;
let receiver: CollectorReceiver;
let gateway: GatewayHarness;
let key: string;

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'gateway-audit-test' });
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  receiver = await startCollectorReceiver();
  receiver.failNext(2); // the first two batches arrive but are answered 503: they must be sent again
  gateway = await startGateway({
    openAccess: false,
    env: { COLLECTOR_URL: receiver.url, COLLECTOR_SERVICE_TOKEN: COLLECTOR_TOKEN },
    file: {
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      clients: [{ id: 'audit-client' }],
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    },
  });
  key = (
    await gateway.core.apiKeys.create({
      owner: 'auditor',
      roles: ['echo-user'],
      clientId: 'audit-client',
    })
  ).key;
  await gateway.core.catalogue.ensureLoaded();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await receiver?.close();
  await telemetry?.shutdown();
});

describe('one audit event per request', () => {
  const sent: Array<{ name: string; traceId: string; answer: Answer }> = [];
  const send = async (name: string, request: (traceparent: string) => Promise<Answer>) => {
    const { traceId, traceparent } = freshTrace();
    sent.push({ name, traceId, answer: await request(traceparent) });
  };

  beforeAll(async () => {
    const auth = (traceparent: string) => ({ 'x-api-key': key, traceparent });
    await send('allowed call', (tp) =>
      callTool(gateway.mcpUrl, 'up__echo', { text: SECRET_ARGUMENT }, { headers: auth(tp) }),
    );
    await send('unknown tool', (tp) =>
      callTool(gateway.mcpUrl, 'up__nothing', { text: SECRET_ARGUMENT }, { headers: auth(tp) }),
    );
    await send('no credentials', (tp) =>
      callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: SECRET_ARGUMENT },
        { headers: { traceparent: tp } },
      ),
    );
    await send('tools/list', (tp) => rpc(gateway.mcpUrl, 'tools/list', {}, { headers: auth(tp) }));
    await send('REST call', (tp) =>
      http(`${gateway.url}/mcp/call/up__echo`, {
        method: 'POST',
        headers: auth(tp),
        body: { text: SECRET_ARGUMENT },
      }),
    );
  });

  it('each request has exactly one request event, with the fields of the issue, valid for the collector', async () => {
    const events = await recordedEvents(gateway.store, receiver);
    for (const { name, traceId } of sent) {
      const mine = events.filter(
        (e) => e.trace_id === traceId && (e.type === 'mcp.request' || e.type === 'rest.request'),
      );
      expect(mine, name).toHaveLength(1);
      expect(validateAuditEvent(mine[0]).ok, name).toBe(true);
    }
    const byName = (name: string) =>
      events.find(
        (e) =>
          e.trace_id === sent.find((s) => s.name === name)?.traceId && e.type !== 'mcp.forward',
      ) as AuditEvent;
    expect(byName('allowed call')).toEqual({
      v: 1,
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'mcp.request',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      request_id: expect.any(String),
      trace_id: sent[0]?.traceId,
      user: 'auditor',
      client_id: 'audit-client',
      method: 'tools/call',
      tool: 'up__echo',
      upstream: 'up',
      client_ip: '127.0.0.1',
      decision: 'allow',
      status: 200,
      duration_ms: expect.any(Number),
      degraded: false,
    });
    expect(byName('unknown tool')).toMatchObject({
      decision: 'deny',
      reason: 'unknown_tool',
      status: 400,
      tool: 'up__nothing',
      user: 'auditor',
    });
    expect(byName('no credentials')).toMatchObject({
      decision: 'deny',
      reason: 'missing_credentials',
      status: 401,
      client_ip: '127.0.0.1',
    });
    expect(byName('no credentials')).not.toHaveProperty('user');
    expect(byName('tools/list')).toMatchObject({
      method: 'tools/list',
      decision: 'allow',
      status: 200,
    });
    expect(byName('REST call')).toMatchObject({
      type: 'rest.request',
      tool: 'up__echo',
      upstream: 'up',
      decision: 'allow',
      status: 200,
    });
  });

  it('a forwarded call has its write-ahead record (status 102), an unforwarded one has none', async () => {
    const events = await recordedEvents(gateway.store, receiver);
    const forwards = (name: string) =>
      events.filter(
        (e) =>
          e.type === 'mcp.forward' && e.trace_id === sent.find((s) => s.name === name)?.traceId,
      );
    expect(forwards('allowed call')).toEqual([
      expect.objectContaining({ status: 102, decision: 'allow', tool: 'up__echo', upstream: 'up' }),
    ]);
    expect(forwards('REST call')).toHaveLength(1);
    expect(forwards('unknown tool')).toEqual([]);
    expect(forwards('no credentials')).toEqual([]);
    // The record precedes the answer: it is in the outbox position before the request event.
    const allowed = sent[0]?.traceId;
    const order = events.filter((e) => e.trace_id === allowed).map((e) => e.type);
    expect(order).toEqual(['mcp.forward', 'mcp.request']);
  });

  it('never carries the arguments or the credentials — neither the outbox nor the log', async () => {
    const outbox = JSON.stringify(await recordedEvents(gateway.store, receiver));
    const secretOfKey = key.slice(-43);
    expect(outbox).not.toContain(SECRET_ARGUMENT);
    expect(outbox).not.toContain(secretOfKey);
    expect(outbox).not.toContain('"arguments"');
    const auditLines = gateway.logLines.filter((l) => l.includes('"audit"'));
    expect(auditLines.length).toBeGreaterThanOrEqual(sent.length);
    for (const line of gateway.logLines) {
      expect(line).not.toContain(SECRET_ARGUMENT);
      expect(line).not.toContain(secretOfKey);
    }
    expect(upstream.calls.some((c) => c.arguments['text'] === SECRET_ARGUMENT)).toBe(true); // it did travel where it belongs
  });

  it('the relay ships every event at least once, with the service token; duplicates are removable by event id', async () => {
    const outboxIds = new Set((await recordedEvents(gateway.store, receiver)).map((e) => e.event_id));
    for (let i = 0; i < 150 && [...outboxIds].some((id) => !receiver.ids().has(id)); i += 1)
      await sleep(100);
    expect([...outboxIds].filter((id) => !receiver.ids().has(id))).toEqual([]);
    expect(receiver.failed).toBe(2);
    expect(receiver.received.length).toBeGreaterThan(receiver.ids().size); // the refused batches came again…
    const first = new Map<string, string>();
    for (const event of receiver.received) {
      const text = JSON.stringify(event);
      expect(first.get(event.event_id) ?? text).toBe(text); // …byte-identical, so deduplication by id is exact
      first.set(event.event_id, text);
    }
    expect(new Set(receiver.authorizations)).toEqual(new Set([`Bearer ${COLLECTOR_TOKEN}`]));
  });
});
