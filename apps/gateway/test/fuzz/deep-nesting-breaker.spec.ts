/**
 * One caller's malformed input must not be counted against an upstream: deeply nested tool
 * arguments (well under the body limit) are the caller's problem, not the upstream's, so they may
 * not open the upstream's circuit breaker for everyone else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeMcpUpstream, type FakeMcpUpstream, type FakeTool } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { nestedArrays, postMcp, rpcError, send } from './support/fuzz-http.js';

/** A tool that takes any object: its schema does not stop deep arguments before forwarding. */
const anyTool: FakeTool = {
  name: 'any',
  description: 'Takes any arguments.',
  inputSchema: { type: 'object' },
  handler: (args) => ({ content: [{ type: 'text', text: `keys:${Object.keys(args).join(',')}` }] }),
};

let upstream: FakeMcpUpstream | undefined;
let gateway: GatewayHarness | undefined;

async function start(): Promise<{ upstream: FakeMcpUpstream; gateway: GatewayHarness }> {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [anyTool] });
  gateway = await startGateway({
    file: {
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } }],
    },
  });
  return { upstream, gateway };
}
afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

const deepCall = (id: number, depth: number) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"up__any","arguments":{"d":${nestedArrays(depth)}}}}`;
const plainCall = { jsonrpc: '2.0', id: 'ok', method: 'tools/call', params: { name: 'up__any', arguments: { a: 1 } } };

describe('deeply nested tool arguments', () => {
  it('moderately nested arguments are forwarded intact', async () => {
    const { gateway: gw, upstream: up } = await start();
    const answer = await postMcp(gw.mcpUrl, deepCall(1, 64));
    expect(answer.json).toMatchObject({ id: 1, result: { content: [{ text: 'keys:d' }] } });
    expect(JSON.stringify(up.calls.at(-1)?.arguments)).toBe(`{"d":${nestedArrays(64)}}`);
  });

  // Fixed, kept as a regression test. Was (cross-tenant DoS): 200,000 nested arrays (400 KB, under the 4 MiB limit) pass the edge and the
  // argument validator; serialising them for the upstream throws RangeError inside the breaker, which
  // counts it as an upstream failure (upstream-connection.ts isFailure; toClientError → -32001
  // "Upstream up failed"). Three such calls open the breaker: every caller then gets "Upstream up is
  // unavailable" for resetTimeoutMs although the upstream never saw a request. Expected: a client error
  // (-32600/-32602, a nesting limit at the edge) and the breaker untouched.
  it('are refused as the caller’s error and never open the upstream breaker for other callers', async () => {
    const { gateway: gw, upstream: up } = await start();
    const codes: Array<number | undefined> = [];
    for (let i = 0; i < 5; i += 1) codes.push(rpcError(await postMcp(gw.mcpUrl, deepCall(i, 200_000)))?.code);
    // The other caller first: that is the damage.
    const other = await postMcp(gw.mcpUrl, plainCall);
    expect(other.json).toMatchObject({ id: 'ok', result: { content: [{ text: 'keys:a' }] } });
    expect(codes.every((code) => code === -32600 || code === -32602), `codes ${codes.join(',')}`).toBe(true);
    expect(up.calls.length).toBe(1);
  });

  // Fixed, kept as a regression test. Was (same root, REST facade): the same arguments on POST /mcp/call/up__any are answered 503
  // UPSTREAM_UNAVAILABLE and count against the upstream's breaker.
  it('on the REST facade are a 400 and never open the upstream breaker', async () => {
    const { gateway: gw } = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push((await send(`${gw.url}/mcp/call/up__any`, { headers: { 'content-type': 'application/json' }, body: `{"d":${nestedArrays(200_000)}}` })).status);
    }
    const other = await send(`${gw.url}/mcp/call/up__any`, { headers: { 'content-type': 'application/json' }, body: { a: 1 } });
    expect(other.status).toBe(200);
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
  });
});
