/**
 * A call forwarded to a 2025-era HTTP upstream makes no AbortSignal in the gateway: the entry, the
 * breaker and the direct exchange share a `Cancellation` (ADR 0009, eighth amendment). Node 20
 * builds every signal with hidden classes of its own, about 1 KB per call in the old generation
 * with the two signals a call used to make.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cancellation } from '@mcpgw/resilience';
import type { LoopbackListener } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { startStatelessSdkUpstream } from './support/stateless-sdk-upstream.js';

/**
 * Stacks of the signals made with the gateway's code on the stack: AbortControllers, and
 * `AbortSignal.timeout`/`any`/`abort`. (A library that makes one later, in a callback of its own,
 * has no gateway frame on its stack and is not seen.)
 */
const madeByGateway: string[] = [];
const OWN_CODE = /apps\/gateway\/src\/|libs\/shared\/[a-z-]+\/src\//;

function noteIfOwn(): void {
  const stack = new Error().stack ?? '';
  if (OWN_CODE.test(stack)) madeByGateway.push(stack);
}

class CountingAbortController extends AbortController {
  constructor() {
    super();
    noteIfOwn();
  }
}

function countSignalFactories(): void {
  for (const factory of ['timeout', 'any', 'abort'] as const) {
    const original = AbortSignal[factory] as (...args: unknown[]) => AbortSignal;
    vi.spyOn(AbortSignal, factory).mockImplementation(((...args: unknown[]) => {
      noteIfOwn();
      return original.apply(AbortSignal, args);
    }) as never);
  }
}

let upstream: LoopbackListener;
let gateway: GatewayHarness;
let stackTraceLimit: number;

function echoServer(): Server {
  const server = new Server({ name: 'echo-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: 'echo', description: 'echoes its text', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: 'text', text: String(request.params.arguments?.['text'] ?? '') }],
  }));
  return server;
}

async function callOverMcp(id: number): Promise<unknown> {
  const res = await fetch(gateway.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { text: `call ${id}` } } }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

beforeAll(async () => {
  upstream = await startStatelessSdkUpstream(echoServer);
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: `${upstream.url}/mcp` }] } });
  // The first call connects (the SDK client's handshake makes signals of its own); count after it.
  await callOverMcp(0);
  stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  vi.stubGlobal('AbortController', CountingAbortController);
  countSignalFactories();
});
afterAll(async () => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  Error.stackTraceLimit = stackTraceLimit;
  await gateway?.close();
  await upstream?.close();
});

describe('signals on the hot path', () => {
  it('forwards tools/call over /mcp without making an AbortSignal', async () => {
    madeByGateway.length = 0;
    for (let id = 1; id <= 20; id += 1) {
      await expect(callOverMcp(id)).resolves.toMatchObject({ id, result: { content: [{ type: 'text', text: `call ${id}` }] } });
    }
    expect(madeByGateway).toEqual([]);
  });

  it('forwards POST /mcp/call/{tool} without making one either', async () => {
    madeByGateway.length = 0;
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${gateway.url}/mcp/call/up__echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `rest ${i}` }),
      });
      expect(res.status).toBe(200);
      await expect(res.json()).resolves.toMatchObject({ success: true, data: { content: [{ type: 'text', text: `rest ${i}` }] } });
    }
    expect(madeByGateway).toEqual([]);
  });

  it('counts a controller made in the gateway libraries (the check can fail)', () => {
    madeByGateway.length = 0;
    new AbortController(); // made here, in a test file: not counted
    expect(madeByGateway).toHaveLength(0);
    // A Cancellation makes its AbortSignal when asked for one, from libs/shared/resilience/src.
    expect(new Cancellation().signal.aborted).toBe(false);
    expect(madeByGateway).toHaveLength(1);
    // The statics are watched too; called from this file, not counted.
    expect(AbortSignal.abort().aborted).toBe(true);
    expect(vi.mocked(AbortSignal.abort)).toHaveBeenCalled();
    expect(madeByGateway).toHaveLength(1);
  });
});
