/**
 * Stateless serving lets a client's answer to a relayed elicitation land on another replica: it is
 * passed through the shared Redis to the replica that holds the request (two gateway instances on
 * one real Redis).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ElicitResultSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { describeWithRedis, type LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatefulSdkUpstream } from './support/stateful-sdk-upstream.js';

function askingServer(): Server {
  const server = new Server({ name: 'asking-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [{ name: 'ask_user', description: 'asks', inputSchema: { type: 'object', properties: {} } }] }));
  server.setRequestHandler(CallToolRequestSchema, async (_request, extra) => {
    const answer = await extra.sendRequest(
      { method: 'elicitation/create', params: { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } },
      ElicitResultSchema,
    );
    return { content: [{ type: 'text', text: `user said: ${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
  });
  return server;
}

/** Reads SSE messages from a response body, one at a time. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<Record<string, unknown>> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (data) return JSON.parse(data.slice(6)) as Record<string, unknown>;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describeWithRedis('a relayed request answered through another replica (real Redis)', (redis) => {
  let upstream: LoopbackListener;
  let a: GatewayHarness;
  let b: GatewayHarness;
  const replica = () =>
    startGateway({
      file: { upstreams: [{ id: 'open', transport: 'streamable-http', url: `${upstream.url}/mcp`, serverRequests: ['elicitation'] }] },
      store: createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' }),
    });

  beforeAll(async () => {
    upstream = await startStatefulSdkUpstream(askingServer);
    [a, b] = await Promise.all([replica(), replica()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await upstream?.close();
  });

  it('the call on replica A gets the answer the client POSTed to replica B', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const call = await fetch(a.mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'open__ask_user', arguments: {} } }) });
    expect(call.headers.get('content-type')).toContain('text/event-stream');
    const next = sseReader(call.body as ReadableStream<Uint8Array>);
    const asked = await next();
    expect(asked).toMatchObject({ method: 'elicitation/create', id: expect.stringMatching(/^gw-req-/) });

    const answer = await fetch(b.mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: asked['id'], result: { action: 'accept', content: { name: 'Ada' } } }) });
    expect(answer.status).toBe(202);
    await expect(next()).resolves.toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'user said: accept {"name":"Ada"}' }] } });
    const audited = b.logLines.map((line) => JSON.parse(line) as { audit?: { method?: string; reason?: string } }).find((r) => r.audit?.method === 'client/response');
    expect(audited?.audit?.reason).toBe('forwarded');
  });
});
