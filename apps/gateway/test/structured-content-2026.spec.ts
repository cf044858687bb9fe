/**
 * SEP-2106 (2026-07-28): `structuredContent` may be any JSON value. A 2026-era upstream's array
 * reaches a modern client as it is, and a 2025-era client as the SDK's 2025 codec projects it
 * (`{ result: value }` plus a text block); before, the gateway refused it as garbage and counted
 * that against the upstream's breaker.
 */
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcpUpstream, type FakeMcpUpstream, type FakeTool } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

const primesTool: FakeTool = {
  name: 'primes',
  inputSchema: { type: 'object' },
  // SEP-2106: an output schema whose root is not an object (the fake's type expects object roots).
  outputSchema: { type: 'array', items: { type: 'number' } } as unknown as FakeTool['inputSchema'],
  // The fake's result type says object; the 2026 wire takes any value (the SDK checks the wire).
  handler: () => ({ content: [], structuredContent: [2, 3, 5] as unknown as Record<string, unknown> }),
};

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;
beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [primesTool] });
  gateway = await startGateway({ file: { upstreams: [{ id: 'm', transport: 'streamable-http', url: upstream.url }] } });
  await gateway.core.catalogue.ensureLoaded();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('structuredContent that is not an object, from a 2026-07-28 upstream', () => {
  it('reaches a modern client as it is', async () => {
    const client = new V2Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(new URL(gateway.mcpUrl)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      expect((await client.listTools()).tools.find((t) => t.name === 'm__primes')?.outputSchema).toEqual({ type: 'array', items: { type: 'number' } });
      const result = await client.callTool({ name: 'm__primes', arguments: {} });
      expect(result.structuredContent).toEqual([2, 3, 5]);
    } finally {
      await client.close();
    }
  });

  it('reaches a 2025-era client wrapped as the SDK wraps it, and the breaker stays closed', async () => {
    const client = new Client({ name: 'legacy', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    try {
      // The v1 SDK refuses a whole listing with a non-object output schema: it is wrapped, as the result is.
      const listed = (await client.listTools()).tools.find((t) => t.name === 'm__primes');
      expect(listed?.outputSchema).toEqual({ type: 'object', properties: { result: { type: 'array', items: { type: 'number' } } }, required: ['result'] });
      for (let i = 0; i < 6; i += 1) {
        const result = await client.callTool({ name: 'm__primes', arguments: {} });
        expect(result.structuredContent).toEqual({ result: [2, 3, 5] });
        expect(result.content).toEqual([{ type: 'text', text: '[2,3,5]' }]);
      }
      expect(gateway.core.upstreams.get('m')?.breakerState).toBe('closed');
    } finally {
      await client.close();
    }
  });
});
