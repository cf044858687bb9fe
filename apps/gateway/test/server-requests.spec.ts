/**
 * An upstream's sampling and elicitation requests sent during a call reach the calling 2025-era
 * client on the call's SSE answer (params sanitized), and the client's answer reaches the upstream
 * — only for upstreams whose config allows them (`serverRequests`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CancelledNotificationSchema,
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatefulSdkUpstream } from './support/stateful-sdk-upstream.js';

/** A GitHub token shape the default sanitize policy masks. */
const LEAKED_SECRET = `ghp_${'Q1w2E3r4T5'.repeat(3)}777777`;

let upstream: LoopbackListener;
let gateway: GatewayHarness;
/** How each `ask_forever` call's wait for the client ended. */
const waits: Array<Promise<string>> = [];

/** A v1 SDK server whose tools ask the client's model (`ask_model`) or its user (`ask_user`). */
function askingServer(): Server {
  const server = new Server({ name: 'asking-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: ['ask_model', 'ask_user', 'ask_forever'].map((name) => ({ name, description: name, inputSchema: { type: 'object' as const, properties: {} } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    try {
      if (request.params.name === 'ask_forever') {
        // Waits on the client longer than the gateway waits on this call; records how the wait ended.
        const outcome = extra
          .sendRequest({ method: 'elicitation/create', params: { message: 'Still there?', requestedSchema: { type: 'object', properties: {} } } }, ElicitResultSchema, { timeout: 60_000 })
          .then(
            () => 'answered',
            (err: unknown) => `refused: ${err instanceof Error ? err.message : String(err)}`,
          );
        waits.push(outcome);
        await outcome;
        return { content: [{ type: 'text', text: 'too late' }] };
      }
      if (request.params.name === 'ask_model') {
        const answer = await extra.sendRequest(
          { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `summarise ${LEAKED_SECRET}` } }], maxTokens: 20 } },
          CreateMessageResultSchema,
        );
        return { content: [{ type: 'text', text: `model said: ${answer.content.type === 'text' ? answer.content.text : '?'}` }] };
      }
      const answer = await extra.sendRequest(
        { method: 'elicitation/create', params: { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
        ElicitResultSchema,
      );
      return { content: [{ type: 'text', text: `user said: ${answer.action} ${JSON.stringify(answer.content ?? {})}` }] };
    } catch (err) {
      return { isError: true, content: [{ type: 'text', text: `asking failed: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  });
  return server;
}

beforeAll(async () => {
  upstream = await startStatefulSdkUpstream(askingServer);
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'open', transport: 'streamable-http', url: `${upstream.url}/mcp`, serverRequests: ['sampling', 'elicitation'] },
        { id: 'closed', transport: 'streamable-http', url: `${upstream.url}/mcp` },
        // Waiting on the client stops the idle wait (timeoutMs): maxDurationMs bounds it.
        { id: 'brief', transport: 'streamable-http', url: `${upstream.url}/mcp`, serverRequests: ['elicitation'], timeoutMs: 1_000, maxDurationMs: 2_000 },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** A 2025-era client that can answer sampling and elicitation; records what it was asked. */
async function askableClient(asked: unknown[]): Promise<Client> {
  const client = new Client({ name: 'askable', version: '1' }, { capabilities: { sampling: {}, elicitation: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    asked.push(request.params);
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'a short summary' } };
  });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params);
    return { action: 'accept', content: { name: 'Ada' } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
  return client;
}

const textOf = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]?.text ?? '');

describe('server requests through the gateway', () => {
  it("relays the upstream's sampling request to the client, sanitized, and the client's answer back", async () => {
    const asked: unknown[] = [];
    const client = await askableClient(asked);
    const result = await client.callTool({ name: 'open__ask_model', arguments: {} });
    await client.close();
    expect(textOf(result)).toBe('model said: a short summary');
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked)).not.toContain(LEAKED_SECRET);
    expect(JSON.stringify(asked)).toContain('summarise ');
  });

  it('relays an elicitation and its accepted answer', async () => {
    const asked: unknown[] = [];
    const client = await askableClient(asked);
    const result = await client.callTool({ name: 'open__ask_user', arguments: {} });
    await client.close();
    expect(textOf(result)).toBe('user said: accept {"name":"Ada"}');
    expect(asked).toEqual([expect.objectContaining({ message: 'Your name?' })]);
  });

  it("audits the client's answer like any request", () => {
    const answers = gateway.logLines
      .map((line) => JSON.parse(line) as { audit?: { method?: string; reason?: string; status?: number } })
      .filter((record) => record.audit?.method === 'client/response');
    expect(answers.length).toBeGreaterThanOrEqual(2);
    expect(answers[0]?.audit).toMatchObject({ status: 202, reason: 'answered' });
  });

  it('refuses the upstream at once, and cancels the question, when the call ends before the client answers', async () => {
    const asked: unknown[] = [];
    const cancelled: unknown[] = [];
    const client = new Client({ name: 'silent', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return new Promise<never>(() => undefined); // the user never fills the form in
    });
    client.setNotificationHandler(CancelledNotificationSchema, (n) => {
      cancelled.push(n.params);
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    const started = Date.now();
    await expect(client.callTool({ name: 'brief__ask_forever', arguments: {} })).rejects.toThrow();
    await client.close();
    expect(asked).toHaveLength(1);
    expect(cancelled).toEqual([expect.objectContaining({ requestId: expect.stringMatching(/^gw-req-/) })]);
    // The upstream's own wait (60 s) ended with the gateway's refusal, not its timeout.
    await expect(waits.at(-1)).resolves.toMatch(/^refused: .*cannot be reached through the gateway/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses the request of an upstream the config does not allow: the client is never asked', async () => {
    const asked: unknown[] = [];
    const client = await askableClient(asked);
    const result = await client.callTool({ name: 'closed__ask_model', arguments: {} });
    await client.close();
    expect(result).toMatchObject({ isError: true });
    expect(textOf(result)).toContain('cannot be reached through the gateway');
    expect(asked).toEqual([]);
  });

  it('refuses it when the client takes no stream', async () => {
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'open__ask_model', arguments: {} } }),
    });
    const body = (await res.json()) as { result?: { isError?: boolean; content: Array<{ text: string }> } };
    expect(body.result?.isError).toBe(true);
    expect(body.result?.content[0]?.text).toMatch(/^asking failed: /);
  });
});
