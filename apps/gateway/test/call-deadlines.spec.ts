/**
 * How long a call may take: `timeoutMs` is the wait for the upstream's next message (a progress or
 * log message starts it again, a request relayed to the client stops it until the client answers),
 * `maxDurationMs` the cap on the whole call. A silent upstream still fails at `timeoutMs`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ElicitRequestSchema, ElicitResultSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatefulSdkUpstream } from './support/stateful-sdk-upstream.js';

const IDLE_MS = 600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let upstream: LoopbackListener;
let gateway: GatewayHarness;

/**
 * `steady`: progress every 150 ms for 1.8 s (three idle waits), then the answer. `silent`: nothing
 * for 2 s. `endless`: progress every 150 ms, for at most 10 s. `ask_then_answer`: an elicitation,
 * then the answer as soon as the client replies.
 */
function pacedServer(): Server {
  const server = new Server({ name: 'paced-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: ['steady', 'silent', 'endless', 'ask_then_answer'].map((name) => ({ name, description: name, inputSchema: { type: 'object' as const, properties: {} } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const progressToken = extra._meta?.progressToken;
    const report = (progress: number) =>
      progressToken === undefined ? Promise.resolve() : extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress } });
    switch (request.params.name) {
      case 'steady':
        for (let i = 1; i <= 12; i += 1) {
          await report(i);
          await sleep(150);
        }
        return { content: [{ type: 'text', text: 'done' }] };
      case 'silent':
        await sleep(2_000);
        return { content: [{ type: 'text', text: 'too late' }] };
      case 'endless':
        for (let i = 1; i <= 66 && !extra.signal.aborted; i += 1) {
          await report(i);
          await sleep(150);
        }
        return { content: [{ type: 'text', text: 'too late' }] };
      default: {
        const answer = await extra.sendRequest(
          { method: 'elicitation/create', params: { message: 'Sure?', requestedSchema: { type: 'object', properties: {} } } },
          ElicitResultSchema,
          { timeout: 30_000 },
        );
        return { content: [{ type: 'text', text: `user said ${answer.action}` }] };
      }
    }
  });
  return server;
}

let closedPort: number;

beforeAll(async () => {
  upstream = await startStatefulSdkUpstream(pacedServer);
  const url = `${upstream.url}/mcp`;
  const gone = await listenOnLoopback(createServer());
  closedPort = Number(new URL(gone.url).port);
  await gone.close(); // nothing listens there any more: every connect is refused
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'paced', transport: 'streamable-http', url, timeoutMs: IDLE_MS, maxDurationMs: 5_000, serverRequests: ['elicitation'] },
        { id: 'capped', transport: 'streamable-http', url, timeoutMs: IDLE_MS, maxDurationMs: 1_500 },
        { id: 'doomed', transport: 'streamable-http', url, timeoutMs: IDLE_MS, maxDurationMs: 10_000 },
        { id: 'unreachable', transport: 'streamable-http', url: `http://127.0.0.1:${closedPort}/mcp`, timeoutMs: 300, maxDurationMs: 10_000 },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function connectedClient(onElicit?: () => Promise<{ action: 'accept' | 'decline' }>): Promise<Client> {
  const client = new Client({ name: 'deadline-client', version: '1' }, { capabilities: { elicitation: {} } });
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, onElicit);
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
  return client;
}

/** Calls `name`; resolves with the outcome (result text or JSON-RPC error) and how long it took. */
async function timedCall(client: Client, name: string, withProgress: boolean) {
  const started = Date.now();
  const progress: number[] = [];
  const options = { timeout: 20_000, ...(withProgress && { onprogress: (p: { progress: number }) => progress.push(p.progress) }) };
  try {
    const result = await client.callTool({ name, arguments: {} }, undefined, options);
    const text = (result as { content: Array<{ text: string }> }).content[0]?.text;
    return { text, ms: Date.now() - started, progress };
  } catch (err) {
    return { error: err as { code?: number; message?: string }, ms: Date.now() - started, progress };
  }
}

describe('call deadlines', () => {
  it('lets an upstream that keeps reporting progress run past timeoutMs', async () => {
    const client = await connectedClient();
    const outcome = await timedCall(client, 'paced__steady', true);
    await client.close();
    expect(outcome).toMatchObject({ text: 'done' });
    expect(outcome.ms).toBeGreaterThan(3 * IDLE_MS);
    expect(outcome.progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('fails a call whose upstream sends nothing for timeoutMs, with the timeout error', async () => {
    const client = await connectedClient();
    const outcome = await timedCall(client, 'paced__silent', true);
    await client.close();
    expect(outcome.error).toMatchObject({ code: -32002, message: expect.stringContaining('Upstream paced timed out') });
    expect(outcome.ms).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(outcome.ms).toBeLessThan(2_000); // the upstream answers at 2 s: the gateway gave up first
  });

  it('ends a call at maxDurationMs however often the upstream reports progress', async () => {
    const client = await connectedClient();
    const outcome = await timedCall(client, 'capped__endless', true);
    await client.close();
    expect(outcome.error).toMatchObject({ code: -32002 });
    expect(outcome.progress.length).toBeGreaterThan(IDLE_MS / 150); // progress went on past one idle wait
    expect(outcome.ms).toBeGreaterThanOrEqual(1_450);
    expect(outcome.ms).toBeLessThan(5_000);
  });

  it('does not count the time a relayed request waits for the client (a person filling a form in)', async () => {
    const client = await connectedClient(async () => {
      await sleep(3 * IDLE_MS);
      return { action: 'accept' };
    });
    const outcome = await timedCall(client, 'paced__ask_then_answer', false);
    await client.close();
    expect(outcome).toMatchObject({ text: 'user said accept' });
    expect(outcome.ms).toBeGreaterThan(3 * IDLE_MS);
  });

  it('fails the calls of an upstream that is removed while they run, at once', async () => {
    const client = await connectedClient();
    const running = timedCall(client, 'doomed__endless', true);
    await sleep(400);
    await gateway.core.upstreams.get('doomed')?.close();
    const outcome = await running;
    await client.close();
    expect(outcome.error).toMatchObject({ code: -32001 });
    expect(outcome.ms).toBeLessThan(3_000); // not its maxDurationMs (10 s)
  });

  it('counts reaching the upstream against timeoutMs: an unreachable one fails every call within it', async () => {
    // Its tools were never listed, so a client cannot route to it: its connection is called as a
    // listed tool's call would (an upstream that went down after listing).
    const connection = gateway.core.upstreams.get('unreachable');
    expect(connection).toBeDefined();
    // The reconnect backoff doubles after every refused connect (250 ms, 500 ms, 1 s, 2 s, 4 s).
    for (let i = 0; i < 6; i += 1) {
      const started = Date.now();
      await expect(connection?.request('tools/call', { name: 'anything', arguments: {} }), `call ${i}`).rejects.toThrow();
      expect(Date.now() - started, `call ${i}`).toBeLessThan(1_500);
    }
  });
});
