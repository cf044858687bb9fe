/**
 * The gateway federating real upstream MCP servers (official SDK, both eras) and serving clients
 * of both eras (v1 SDK client, v2 SDK client in legacy and in 2026-07-28 mode) on one URL.
 */
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, failingTool, startFakeMcpUpstream, structuredTool, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let modern: FakeMcpUpstream;
let legacy: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  modern = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool, structuredTool, failingTool], name: 'modern-upstream' });
  legacy = await startFakeMcpUpstream({ sdk: 'v1', tools: [echoTool], name: 'legacy-upstream' });
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'modern', transport: 'streamable-http', url: modern.url },
        { id: 'legacy', transport: 'streamable-http', url: legacy.url },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await modern?.close();
  await legacy?.close();
});

type AnyClient = {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
};

const clients: Array<[string, () => Promise<AnyClient>]> = [
  [
    'v1 SDK client',
    async () => {
      const c = new V1Client({ name: 'v1-test', version: '1.0.0' });
      await c.connect(new V1Transport(new URL(gateway.mcpUrl)));
      return c as unknown as AnyClient;
    },
  ],
  [
    'v2 SDK client (2025-11-25)',
    async () => {
      const c = new V2Client({ name: 'v2-legacy', version: '1.0.0' });
      await c.connect(new V2Transport(new URL(gateway.mcpUrl)));
      expect(c.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      return c as unknown as AnyClient;
    },
  ],
  [
    'v2 SDK client (2026-07-28)',
    async () => {
      const c = new V2Client({ name: 'v2-modern', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
      await c.connect(new V2Transport(new URL(gateway.mcpUrl)));
      expect(c.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      return c as unknown as AnyClient;
    },
  ],
];

describe.each(clients)('%s through the gateway', (_name, connect) => {
  let client: AnyClient;
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the built-in tools and every upstream tool, namespaced', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        'claude_context_search',
        'legacy__echo',
        'modern__add',
        'modern__echo',
        'modern__fail',
        'sentraip_threat_check',
        'tyk_api_analytics',
      ].sort(),
    );
  });

  it('routes calls to the owning upstream and relays results unchanged', async () => {
    expect(await client.callTool({ name: 'modern__echo', arguments: { text: 'via modern' } })).toMatchObject({
      content: [{ type: 'text', text: 'via modern' }],
    });
    expect(await client.callTool({ name: 'legacy__echo', arguments: { text: 'via legacy' } })).toMatchObject({
      content: [{ type: 'text', text: 'via legacy' }],
    });
    const structured = (await client.callTool({ name: 'modern__add', arguments: { a: 2, b: 3 } })) as Record<string, unknown>;
    expect(structured['structuredContent']).toEqual({ sum: 5 });
    const failed = (await client.callTool({ name: 'modern__fail', arguments: {} })) as Record<string, unknown>;
    expect(failed['isError']).toBe(true);
  });

  it('answers a built-in tool whose backing service is down with isError and a clear message', async () => {
    const result = (await client.callTool({
      name: 'sentraip_threat_check',
      arguments: { target: '203.0.113.9', type: 'ip' },
    })) as { isError?: boolean; content: Array<{ text: string }> };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/sentraip_threat_check failed: .*unreachable/);
  });
});

describe('what reaches the upstream', () => {
  it('calls the upstream tool by its own name, with the trace context, and never the client credentials', async () => {
    const { key } = await gateway.core.apiKeys.create({ owner: 'trace-test', roles: ['tester'] });
    const client = new V2Client({ name: 'trace', version: '1' });
    await client.connect(new V2Transport(new URL(gateway.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    await client.callTool({ name: 'modern__echo', arguments: { text: 'x' } });
    await client.close();
    const call = modern.calls.at(-1);
    expect(call?.tool).toBe('echo');
    expect(JSON.stringify(call?.headers ?? {})).not.toContain(key);
    expect(JSON.stringify(call?.meta ?? {})).not.toContain(key);
  });
});
