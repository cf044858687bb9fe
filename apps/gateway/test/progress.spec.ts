/** Upstream progress notifications reach the client through the gateway, then the result. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatelessSdkUpstream } from './support/stateless-sdk-upstream.js';

/** A GitHub token shape the default sanitize policy masks. */
const LEAKED_SECRET = `ghp_${'A1b2C3d4E5'.repeat(3)}123456`;

let upstream: LoopbackListener;
let gateway: GatewayHarness;

/** A v1 SDK server whose `count` tool reports progress three times before answering. */
function progressServer(): Server {
  const server = new Server({ name: 'progress-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      { name: 'count', description: 'counts to three, reporting progress', inputSchema: { type: 'object', properties: {} } },
      { name: 'leaky', description: 'counts, then reports a secret in its progress', inputSchema: { type: 'object', properties: {} } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (_request, extra) => {
    const progressToken = extra._meta?.progressToken;
    for (let i = 1; i <= 3; i += 1) {
      if (progressToken !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: i, total: 3, message: `step ${i}` } });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (_request.params.name === 'leaky' && progressToken !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 4, message: `using ${LEAKED_SECRET}` } });
    }
    return { content: [{ type: 'text', text: 'counted' }] };
  });
  return server;
}

beforeAll(async () => {
  upstream = await startStatelessSdkUpstream(progressServer);
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: `${upstream.url}/mcp` }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('progress relay', () => {
  it('delivers every upstream progress notification to the client before the result', async () => {
    const client = new Client({ name: 'progress-client', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool({ name: 'up__count', arguments: {} }, undefined, { onprogress: (p) => seen.push(p) });
    await client.close();
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect(seen[2]).toMatchObject({ total: 3, message: 'step 3' });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'counted' }] });
  });

  it('sanitizes the progress message like the result (it is upstream output too)', async () => {
    const client = new Client({ name: 'progress-client', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    const seen: Array<{ progress: number; message?: string }> = [];
    await client.callTool({ name: 'up__leaky', arguments: {} }, undefined, { onprogress: (p) => seen.push(p) });
    await client.close();
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen[3]?.message).toMatch(/^using \S+$/);
    expect(seen[3]?.message).not.toContain(LEAKED_SECRET);
    expect(seen[3]?.message).not.toContain('ghp_');
  });

  it('answers with plain JSON when the client asked for no progress', async () => {
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__count', arguments: {} } }),
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ id: 1, result: { content: [{ text: 'counted' }] } });
  });
});
