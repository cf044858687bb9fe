/**
 * An upstream's log messages (`notifications/message`) sent while it serves a call reach the
 * client on the call's SSE answer, sanitized, before the result — per era, as each revision says.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatelessSdkUpstream } from './support/stateless-sdk-upstream.js';

/** A GitHub token shape the default sanitize policy masks. */
const LEAKED_SECRET = `ghp_${'Z9y8X7w6V5'.repeat(3)}654321`;

let upstream: LoopbackListener;
let gateway: GatewayHarness;

/** A v1 SDK server whose `chatty` tool logs at three levels while it works. */
function chattyServer(): Server {
  const server = new Server({ name: 'chatty-upstream', version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: 'chatty', description: 'logs while it works', inputSchema: { type: 'object', properties: {} } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (_request, extra) => {
    const log = (level: 'debug' | 'warning' | 'error', data: unknown) =>
      extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'chatty', data } });
    await log('debug', 'starting');
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: `key ${LEAKED_SECRET}`, data: 'named' } });
    await log('warning', { note: `retrying with ${LEAKED_SECRET}` });
    await log('error', 'giving up on one source');
    return { content: [{ type: 'text', text: 'done' }] };
  });
  return server;
}

beforeAll(async () => {
  upstream = await startStatelessSdkUpstream(chattyServer);
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: `${upstream.url}/mcp` }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Posts one call and returns the JSON-RPC messages of the answer, JSON or SSE. */
async function call(body: unknown, headers: Record<string, string>): Promise<{ type: string; messages: Array<Record<string, unknown>>; headers: Record<string, string> }> {
  const res = await fetch(gateway.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const messages = type.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
    : [JSON.parse(text) as Record<string, unknown>];
  return { type, messages, headers: Object.fromEntries(res.headers) };
}

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const modernCall = (extraMeta: Record<string, unknown>) =>
  call(
    { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'up__chatty', arguments: {}, _meta: { ...MODERN_META, ...extraMeta } } },
    { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'up__chatty' },
  );

describe('log relay', () => {
  it('gives a 2025-era client every log message of its call, sanitized, before the result', async () => {
    const client = new Client({ name: 'log-client', version: '1' });
    const logs: Array<{ level: string; logger?: string; data?: unknown }> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    const result = await client.callTool({ name: 'up__chatty', arguments: {} });
    await client.close();
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'done' }] });
    expect(logs.map((l) => [l.level, l.logger?.startsWith('key ') ? 'key …' : l.logger])).toEqual([
      ['debug', 'chatty'],
      ['info', 'key …'],
      ['warning', 'chatty'],
      ['error', 'chatty'],
    ]);
    expect(JSON.stringify(logs)).not.toContain(LEAKED_SECRET);
    expect((logs[2]?.data as { note: string }).note).toMatch(/^retrying with \S+$/);
  });

  it('answers with one JSON body, logs dropped, when the client does not accept a stream', async () => {
    const { type, messages } = await call({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__chatty', arguments: {} } }, { accept: 'application/json', 'mcp-protocol-version': '2025-11-25' });
    expect(type).toContain('application/json');
    expect(messages).toEqual([expect.objectContaining({ id: 1, result: expect.objectContaining({ content: [{ type: 'text', text: 'done' }] }) })]);
  });

  it('sends a 2026-07-28 client no log message unless its request names a logLevel', async () => {
    const { type, messages } = await modernCall({});
    expect(type).toContain('application/json');
    expect(messages.map((m) => m['method'] ?? 'result')).toEqual(['result']);
  });

  it('sends a 2026-07-28 client the messages at or above the logLevel its request names', async () => {
    const { type, messages, headers } = await modernCall({ 'io.modelcontextprotocol/logLevel': 'warning' });
    expect(type).toContain('text/event-stream');
    expect(headers['ratelimit-remaining']).toMatch(/^\d+$/); // the admission's headers open the stream too
    expect(messages.map((m) => (m['method'] ? (m['params'] as { level: string }).level : 'result'))).toEqual(['warning', 'error', 'result']);
    expect(messages.at(-1)).toMatchObject({ id: 5, result: { content: [{ type: 'text', text: 'done' }] } });
  });
});
