/**
 * An upstream's list_changed refreshes the gateway's catalogue and reaches 2026-07-28 clients on
 * their `subscriptions/listen` stream; a refresh without a change stays quiet.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, structuredTool, type FakeMcpUpstream } from '@mcpgw/testing';
import { startFaultyProxy, type FaultyProxy } from './support/faulty-proxy.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let upstream: FakeMcpUpstream;
/** A 2025-era upstream with sessions: its list_changed comes on the session's GET stream. */
let legacyUpstream: FakeMcpUpstream;
/** In front of the modern upstream, holding every answer until it is complete. */
let buffering: FaultyProxy;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  legacyUpstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: true, tools: [echoTool] });
  buffering = await startFaultyProxy(upstream.url, { buffer: true });
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'up', transport: 'streamable-http', url: upstream.url },
        { id: 'old', transport: 'streamable-http', url: legacyUpstream.url },
        { id: 'buffered', transport: 'streamable-http', url: `${buffering.listener.url}/mcp`, timeoutMs: 3_000 },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await legacyUpstream?.close();
  await buffering?.listener.close();
});

describe('list changes', () => {
  it('are pushed to a modern client that listens, and the new tool is callable', async () => {
    let changes = 0;
    const client = new Client(
      { name: 'listener', version: '1' },
      { versionNegotiation: { mode: 'auto' }, listChanged: { tools: { onChanged: () => (changes += 1), autoRefresh: false } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('up__add');

    const before = changes; // the first listing may itself have been announced
    await gateway.core.catalogue.refresh('up'); // no change upstream: nothing is sent
    expect(changes).toBe(before);
    await upstream.setTools([echoTool, structuredTool]); // the upstream announces a change
    await expect.poll(() => changes, { timeout: 10_000 }).toBe(before + 1);
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 10_000 })
      .toContain('up__add');
    expect(await client.callTool({ name: 'up__add', arguments: { a: 1, b: 2 } })).toMatchObject({ structuredContent: { sum: 3 } });
    await client.close();
  });

  it("of a 2025-era upstream (on its session's stream) refresh the catalogue too", async () => {
    const names = () => gateway.core.catalogue.tools().map((t) => t.name);
    await gateway.core.catalogue.ensureLoaded();
    expect(gateway.logLines.some((l) => l.includes('"upstream":"old","protocol_version":"2025-11-25"'))).toBe(true);
    expect(await names()).not.toContain('old__add');
    await legacyUpstream.setTools([echoTool, structuredTool]); // announced as notifications/tools/list_changed
    await expect.poll(names, { timeout: 10_000 }).toContain('old__add');
  });

  it('of a 2026-era upstream behind a buffering proxy are given up, and the upstream is served at once', async () => {
    // The listen stream's acknowledgement never gets through: connecting used to wait timeoutMs for it.
    const started = Date.now();
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'buffered__echo', arguments: { text: 'through' } } }),
    });
    expect(((await res.json()) as { result?: { content: Array<{ text: string }> } }).result?.content[0]?.text).toBe('through');
    expect(Date.now() - started).toBeLessThan(2_500);
    await expect
      .poll(() => gateway.logLines.some((l) => l.includes('upstream list changes not subscribed') && l.includes('"upstream":"buffered"')), { timeout: 10_000 })
      .toBe(true);
  });

  it('advertises listChanged to modern clients only', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(gateway.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ result: { capabilities: Record<string, unknown> } }>);
    const legacy = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    expect(legacy.result.capabilities['tools']).toEqual({});
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
    const modern = await post({ jsonrpc: '2.0', id: 2, method: 'server/discover', params: { _meta: meta } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
    expect(modern.result.capabilities['tools']).toEqual({ listChanged: true });
  });
});
