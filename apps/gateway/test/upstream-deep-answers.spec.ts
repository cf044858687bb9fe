/**
 * An upstream answer nested deeper than the gateway relays (100 levels) is refused as garbage: the
 * client gets a JSON-RPC error with its own id, on the direct exchange (JSON or SSE, checked
 * before parsing) and on the SDK's path (stdio here), with sanitization off so nothing cuts it
 * first. Before, 20,000 levels overflowed `JSON.stringify` when the answer was written: 500 with
 * `id: null`.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startFaultyProxy, type FaultyProxy } from './support/faulty-proxy.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let upstream: FakeMcpUpstream;
let proxy: FaultyProxy;
let gateway: GatewayHarness;
const stdioServer = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));

beforeAll(async () => {
  // A 2025-era upstream over HTTP: its calls take the direct exchange (ADR 0007).
  upstream = await startFakeMcpUpstream({ sdk: 'v1', tools: [echoTool] });
  proxy = await startFaultyProxy(upstream.url);
  gateway = await startGateway({
    file: {
      sanitize: { secrets: false, pii: false },
      upstreams: [
        // A breaker that never opens here: every call must reach the upstream and be judged on its answer.
        { id: 'deep', transport: 'streamable-http', url: `${proxy.listener.url}/mcp`, timeoutMs: 3000, breaker: { volumeThreshold: 1000 } },
        { id: 'local', transport: 'stdio', command: 'node', args: [stdioServer] },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await proxy?.listener.close();
  await upstream?.close();
});

let nextId = 1;
async function call(name: string, args: Record<string, unknown> = {}) {
  const id = `deep-${nextId++}`;
  const res = await fetch(gateway.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const body = (await res.json()) as { id: unknown; result?: { structuredContent?: unknown }; error?: { code: number; message: string } };
  return { id, status: res.status, body };
}

function depthOf(value: unknown): number {
  let depth = 0;
  for (let node = value; node && typeof node === 'object'; node = (node as { a?: unknown }).a) depth += 1;
  return depth;
}

describe('an upstream answer nested too deep', () => {
  it.each(['deep', 'deep-sse'] as const)('is refused with the request id on the direct exchange (%s)', async (fault) => {
    proxy.setFault(fault);
    try {
      const { id, status, body } = await call('deep__echo', { text: 'x' });
      expect(status).toBe(200);
      expect(gateway.logLines.some((l) => l.includes('"upstream":"deep","protocol_version":"2025-11-25"'))).toBe(true);
      expect(body.id).toBe(id);
      expect(body.error).toEqual({ code: -32001, message: 'Upstream deep failed' });
    } finally {
      proxy.setFault('none');
    }
    const after = await call('deep__echo', { text: 'still here' });
    expect(after.body.result).toBeDefined();
  });

  it('is refused on the SDK path, while an answer within the limit is relayed unchanged', async () => {
    const refused = await call('local__deep', { levels: 150 });
    expect(refused.body.id).toBe(refused.id);
    expect(refused.body.error).toEqual({ code: -32001, message: 'Upstream local failed' });

    const relayed = await call('local__deep', { levels: 90 });
    expect(relayed.body.error).toBeUndefined();
    expect(depthOf(relayed.body.result?.structuredContent)).toBe(90);
  });
});
