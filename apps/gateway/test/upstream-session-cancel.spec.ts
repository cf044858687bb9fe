/**
 * A stateful 2025-era upstream (it issues session ids): the gateway re-initializes transparently
 * when the upstream forgets its session, and a client's cancellation reaches the upstream as
 * `notifications/cancelled` for the request it is running.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let upstream: LoopbackListener;
let gateway: GatewayHarness;
const sessions = new Map<string, StreamableHTTPServerTransport>();
let initializations = 0;
let cancelledCalls = 0;
let expiredCalls = 0;
let releaseWait: (() => void) | undefined;
let waitStarted: (() => void) | undefined;

function statefulServer(): Server {
  const server = new Server({ name: 'stateful-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      { name: 'hello', description: 'says hello', inputSchema: { type: 'object', properties: {} } },
      { name: 'wait', description: 'waits until cancelled', inputSchema: { type: 'object', properties: {} } },
      { name: 'expired', description: 'fails with its own error about a session', inputSchema: { type: 'object', properties: {} } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.name === 'hello') return { content: [{ type: 'text', text: 'hello' }] };
    if (request.params.name === 'expired') {
      expiredCalls += 1;
      throw new McpError(ErrorCode.InvalidRequest, 'login session expired');
    }
    waitStarted?.();
    await new Promise<void>((resolve) => {
      releaseWait = resolve;
      extra.signal.addEventListener('abort', () => {
        cancelledCalls += 1;
        resolve();
      });
    });
    return { content: [{ type: 'text', text: 'finished' }] };
  });
  return server;
}

async function handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string') {
    const transport = sessions.get(sessionId);
    if (!transport) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    await transport.handleRequest(req, res);
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      initializations += 1;
      sessions.set(id, transport);
    },
  });
  await statefulServer().connect(transport);
  await transport.handleRequest(req, res);
}

beforeAll(async () => {
  upstream = await listenOnLoopback(createServer((req, res) => void handle(req, res)));
  gateway = await startGateway({ file: { upstreams: [{ id: 'st', transport: 'streamable-http', url: `${upstream.url}/mcp` }] } });
});
afterAll(async () => {
  releaseWait?.();
  await gateway?.close();
  await upstream?.close();
});

async function connectClient(): Promise<Client> {
  const client = new Client({ name: 'session-cancel-client', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
  return client;
}

describe('a stateful upstream behind the gateway', () => {
  it('is re-initialized transparently after it forgot the session', async () => {
    const client = await connectClient();
    expect(await client.callTool({ name: 'st__hello', arguments: {} })).toMatchObject({ content: [{ text: 'hello' }] });
    const before = initializations;
    sessions.clear(); // the upstream restarted: every session id it issued is now unknown (404)
    expect(await client.callTool({ name: 'st__hello', arguments: {} })).toMatchObject({ content: [{ text: 'hello' }] });
    expect(initializations).toBe(before + 1);
    await client.close();
  });

  it("relays a tool's own error that mentions a session, without re-initializing or calling it twice", async () => {
    const client = await connectClient();
    const before = initializations;
    await expect(client.callTool({ name: 'st__expired', arguments: {} })).rejects.toThrow(/login session expired/);
    expect(expiredCalls).toBe(1);
    expect(initializations).toBe(before);
    await client.close();
  });

  it("passes the client's cancellation on to the upstream request", async () => {
    const client = await connectClient();
    const started = new Promise<void>((resolve) => (waitStarted = resolve));
    const controller = new AbortController();
    const call = client.callTool({ name: 'st__wait', arguments: {} }, undefined, { signal: controller.signal });
    await started;
    controller.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    // Bounded wait for the notification to travel client → gateway → upstream.
    for (let i = 0; i < 100 && cancelledCalls === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(cancelledCalls).toBe(1);
    await client.close();
  });
});
