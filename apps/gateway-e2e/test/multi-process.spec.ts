/**
 * Issue 3 acceptance: two gateway processes sharing one Redis. A 2025-era client that initialized
 * against one process is served `tools/call` by the other, shown with raw HTTP and with the v1 SDK
 * client whose requests are pointed at the other process after `connect`. The test follows
 * whatever the gateway does about sessions: a session id issued by the first process is carried
 * to the second (and must be honoured there); none issued (stateless serving) works as well.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithRedis,
  echoTool,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
} from '@mcpgw/testing';
import {
  httpUpstream,
  newAdminKey,
  startGatewayProcess,
  type GatewayProcess,
} from './support/gateway-process.js';

const PROTOCOL = '2025-11-25';

interface RpcReply {
  status: number;
  sessionId: string | null;
  body:
    | { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } }
    | undefined;
}

async function post(
  url: string,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<RpcReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  const text = await res.text();
  const sse = /^data: (.*)$/m.exec(text);
  const json = res.headers.get('content-type')?.includes('text/event-stream') ? sse?.[1] : text;
  return {
    status: res.status,
    sessionId: res.headers.get('mcp-session-id'),
    body: json ? (JSON.parse(json) as RpcReply['body']) : undefined,
  };
}

describeWithRedis('two gateway processes sharing one Redis', (redis) => {
  let upstream: FakeMcpUpstream;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const config = () => ({ upstreams: [httpUpstream('shared', upstream.url)] });
  // One deployment: every replica has the same config and the same admin key.
  const adminKey = newAdminKey();
  const replica = () =>
    startGatewayProcess({ config: config(), adminKey, env: { REDIS_URL: redis.url } });

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({
      sdk: 'v2',
      tools: [echoTool],
      name: 'shared-upstream',
    });
    [a, b] = await Promise.all([replica(), replica()]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
  });

  it('runs two processes on different ports, both ready against the shared Redis', async () => {
    expect(a.url).not.toBe(b.url);
    for (const gw of [a, b]) {
      const ready = await fetch(`${gw.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { 'state-store': 'ok' } });
    }
  });

  it('raw HTTP: initialize on A, tools/list and tools/call on B with MCP-Protocol-Version', async () => {
    const init = await post(
      a.mcpUrl,
      {
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: PROTOCOL,
          capabilities: {},
          clientInfo: { name: 'raw-http', version: '1.0.0' },
        },
      },
      a.authHeaders,
    );
    expect(init.status).toBe(200);
    expect(init.body?.result).toMatchObject({
      protocolVersion: PROTOCOL,
      serverInfo: { name: expect.any(String) },
    });
    const session: Record<string, string> = init.sessionId
      ? { 'mcp-session-id': init.sessionId }
      : {};
    const headers = { ...b.authHeaders, 'mcp-protocol-version': PROTOCOL, ...session };

    const initialized = await post(b.mcpUrl, { method: 'notifications/initialized' }, headers);
    expect(initialized.status).toBe(202);

    const list = await post(b.mcpUrl, { id: 2, method: 'tools/list', params: {} }, headers);
    expect(list.status).toBe(200);
    expect((list.body?.result?.['tools'] as Array<{ name: string }>).map((t) => t.name)).toContain(
      'shared__echo',
    );

    const call = await post(
      b.mcpUrl,
      {
        id: 3,
        method: 'tools/call',
        params: { name: 'shared__echo', arguments: { text: 'served by B' } },
      },
      headers,
    );
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({
      id: 3,
      result: { content: [{ type: 'text', text: 'served by B' }] },
    });
    expect(upstream.calls.at(-1)).toMatchObject({
      tool: 'echo',
      arguments: { text: 'served by B' },
    });
  });

  it('raw HTTP: B still answers an unsupported protocol version as the spec says', async () => {
    const call = await post(
      b.mcpUrl,
      { id: 4, method: 'tools/call', params: { name: 'shared__echo', arguments: { text: 'x' } } },
      {
        ...b.authHeaders,
        'mcp-protocol-version': '1999-01-01',
      },
    );
    expect(call.status).toBe(400);
    expect(call.body).toMatchObject({ error: { code: -32600 } });
  });

  it('v1 SDK client: connects to a third process, which then stops; B serves its tools/call', async () => {
    const c = await replica();
    let target = c.url;
    const seen: string[] = [];
    // Every request of the transport goes to `target`; switching it moves the client to another process.
    const redirecting: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const moved = new URL(url.pathname + url.search, target);
      seen.push(moved.origin);
      return fetch(moved, init);
    };
    const client = new Client({ name: 'v1-across-processes', version: '1.0.0' });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(c.mcpUrl), {
          fetch: redirecting,
          requestInit: { headers: c.authHeaders },
        }),
      );
      expect(client.getServerVersion()?.name).toBeTruthy();
      await c.stop();
      target = b.url;
      const result = await client.callTool({
        name: 'shared__echo',
        arguments: { text: 'initialized on C, served by B' },
      });
      expect(result).toMatchObject({
        content: [{ type: 'text', text: 'initialized on C, served by B' }],
      });
      expect(seen[0]).toBe(new URL(c.url).origin);
      expect(seen.at(-1)).toBe(new URL(b.url).origin);
    } finally {
      await client.close().catch(() => undefined);
      await c.stop();
    }
  }, 60_000);
});
