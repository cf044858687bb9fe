/**
 * The audit trail at the edges of the pipeline: refusals that happen before admission still name
 * the client's address, a REST body that is not an argument object is refused after admission like
 * a bad /mcp body (audited, and it spends a token), and a /mcp request whose body never arrives is
 * recorded as incomplete rather than as invalid JSON.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { readOutbox } from './support/outbox.js';
import { http } from './support/rpc.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  gateway = await startGateway({
    openAccess: false,
    file: {
      // Five tokens and (practically) no refill: what spends one is countable (the cut-off body one, the 413 one, the REST bodies three).
      auth: { anonymous: { enabled: true, roles: ['tester'], rateLimit: { capacity: 5, refillPerSecond: 0.001 } } },
      toolSets: { everything: { requiredRole: 'tester', tools: ['*'] } },
      // The test's own address is a trusted proxy: X-Forwarded-For names the client.
      ipGate: { trustedProxies: ['127.0.0.1/32'] },
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function eventsWith(reason: string): Promise<AuditEvent[]> {
  return (await readOutbox(gateway.store)).filter((e) => e.reason === reason);
}

describe('audit at the edges', () => {
  it('records the client address of a REST request refused before admission', async () => {
    const answer = await http(`${gateway.url}/mcp/tools`, { headers: { origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
    const [event] = await eventsWith('origin_rejected');
    expect(event).toMatchObject({ type: 'rest.request', status: 403, decision: 'deny', client_ip: '127.0.0.1' });
  });

  it("records the client behind a trusted proxy, not the proxy, for refusals before admission on both endpoints", async () => {
    const viaProxy = { origin: 'https://evil.example', 'x-forwarded-for': '198.51.100.23' };
    expect((await http(`${gateway.url}/mcp/tools`, { headers: viaProxy })).status).toBe(403);
    const mcp = await fetch(gateway.mcpUrl, { method: 'POST', headers: { ...viaProxy, 'content-type': 'application/json' }, body: '{}' });
    expect(mcp.status).toBe(403);
    const events = (await eventsWith('origin_rejected')).filter((e) => e.client_ip === '198.51.100.23');
    expect(events.map((e) => e.type).sort()).toEqual(['mcp.request', 'rest.request']);
  });

  it('records a /mcp request cut off mid-body as incomplete, not as invalid JSON (it spends a token: see below)', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(gateway.url).port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: 200\r\n\r\n{"jsonrpc":"2.0",',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await expect.poll(async () => (await eventsWith('request_incomplete')).length, { timeout: 5000 }).toBe(1);
    const [event] = await eventsWith('request_incomplete');
    expect(event).toMatchObject({ type: 'mcp.request', status: 408, decision: 'deny', client_ip: '127.0.0.1' });
    expect(await eventsWith('invalid_json')).toEqual([]);
  });

  it('refuses a /mcp body declared too large at once, and it spends a token (see below)', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(gateway.url).port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const answered = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1'))).once('close', () => resolve(text));
    });
    socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n{`);
    expect(await answered).toMatch(/^HTTP\/1\.1 413 /);
    await expect.poll(async () => (await eventsWith('body_too_large')).length, { timeout: 5000 }).toBe(1);
  });

  it('refuses a REST body that is not an argument object after admission: audited, and it spends a token', async () => {
    // Five tokens at the start: the cut-off body and the 413 above spent two, so the fourth REST body is the 429.
    const bad = () => http(`${gateway.url}/mcp/call/up__echo`, { method: 'POST', body: ['not', 'arguments'] });
    const answers = [await bad(), await bad(), await bad(), await bad()];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 429]);
    expect(answers[0]?.json).toMatchObject({ error: 'VALIDATION_FAILED', message: 'the body must be a JSON object of tool arguments' });
    const events = await eventsWith('invalid_body');
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ type: 'rest.request', status: 400, decision: 'deny', client_ip: '127.0.0.1' });
  });
});
