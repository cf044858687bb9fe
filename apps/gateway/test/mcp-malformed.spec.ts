/** Every malformed input has its own answer: status, JSON-RPC code, and the same id when one was sent. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(gateway.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { id?: unknown; error?: { code: number; message: string }; result?: unknown }) : undefined };
}

const modern = (method: string, params: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: META } }), {
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...headers,
  });

describe('malformed requests on /mcp', () => {
  it('invalid JSON → 400 with -32700', async () => {
    const { status, body } = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(status).toBe(400);
    expect(body?.error?.code).toBe(-32700);
  });

  it('wrong envelope → 400 with -32600', async () => {
    const { status, body } = await post(JSON.stringify({ jsonrpc: '1.0', id: 3, method: 'tools/list' }));
    expect(status).toBe(400);
    expect(body?.error?.code).toBe(-32600);
  });

  it('unknown method → -32601 with the same id', async () => {
    const { body } = await post(JSON.stringify({ jsonrpc: '2.0', id: 'abc', method: 'tools/explode' }));
    expect(body).toMatchObject({ id: 'abc', error: { code: -32601 } });
  });

  it('bad params → -32602 naming the field', async () => {
    const { body } = await post(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 42 } }));
    expect(body).toMatchObject({ id: 4, error: { code: -32602 } });
    expect(body?.error?.message).toContain('name');
  });

  it('bad arguments of a built-in tool → -32602 naming the field, before any backend call', async () => {
    const { body } = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'sentraip_threat_check', arguments: { target: '999.1.1.1', type: 'ip' } } }),
    );
    expect(body).toMatchObject({ id: 5, error: { code: -32602 } });
    expect(body?.error?.message).toContain('target');
  });

  it('unknown tool → -32602 with the same id', async () => {
    const { body } = await post(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'nope__tool' } }));
    expect(body).toMatchObject({ id: 6, error: { code: -32602, message: 'Unknown tool: nope__tool' } });
  });

  it('oversized body → 413 without reading it all', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'x'.repeat(5 * 1024 * 1024) } } });
    const { status } = await post(huge);
    expect(status).toBe(413);
  });

  it('JSON-RPC batch → 400 with -32600', async () => {
    const { status, body } = await post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]));
    expect(status).toBe(400);
    expect(body?.error?.code).toBe(-32600);
  });

  it('unsupported protocol version (2025 era header) → 400', async () => {
    const { status, body } = await post(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }), { 'mcp-protocol-version': '1999-01-01' });
    expect(status).toBe(400);
    expect(body).toMatchObject({ id: 8, error: { code: -32600 } });
  });

  it('unsupported protocol version (modern envelope) → 400 listing the supported ones', async () => {
    const res = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }),
      { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' },
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('2026-07-28');
  });

  it('Mcp-Method header that disagrees with the body → 400 with -32020', async () => {
    const { status, body } = await modern('tools/call', { name: 'up__echo', arguments: { text: 'x' } }, { 'mcp-method': 'tools/list', 'mcp-name': 'up__echo' });
    expect(status).toBe(400);
    expect(body).toMatchObject({ id: 7, error: { code: -32020 } });
  });

  it('Mcp-Name header that disagrees with the body → 400 with -32020, nothing forwarded', async () => {
    const before = upstream.calls.length;
    const { status, body } = await modern('tools/call', { name: 'up__echo', arguments: { text: 'x' } }, { 'mcp-name': 'up__other' });
    expect(status).toBe(400);
    expect(body?.error?.code).toBe(-32020);
    expect(upstream.calls.length).toBe(before);
  });

  it('a matching modern request is served', async () => {
    const { status, body } = await modern('tools/call', { name: 'up__echo', arguments: { text: 'ok' } }, { 'mcp-name': 'up__echo' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 7, result: { content: [{ text: 'ok' }], resultType: 'complete' } });
  });

  it('bad Origin → 403', async () => {
    const { status } = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: 'https://evil.example' });
    expect(status).toBe(403);
  });

  it('a localhost Origin is allowed', async () => {
    const { status } = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: 'http://localhost:3000' });
    expect(status).toBe(200);
  });

  it('wrong content type → 415; GET and DELETE → 405 (stateless serving)', async () => {
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(gateway.mcpUrl, { method: 'GET', headers: { accept: 'text/event-stream' } })).status).toBe(405);
    expect((await fetch(gateway.mcpUrl, { method: 'DELETE' })).status).toBe(405);
  });

  it('notifications are accepted with 202 and no body', async () => {
    const { status, body } = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect(status).toBe(202);
    expect(body).toBeUndefined();
  });
});
