/**
 * The 2026-07-28 (stateless, enveloped) era of `/mcp` under generated headers and envelopes: the
 * standard headers must agree with the body (400 / -32020, nothing forwarded), a malformed
 * envelope is a 400, and nothing is ever a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { MODERN_META, modernHeaders, postMcp, rpcError } from './support/fuzz-http.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const TOOL = 'up__echo';
/** Header values fetch can send: visible ASCII and inner spaces (the SDK strips outer blanks). */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 80 }).map((s) => s.trim()).filter((s) => s.length > 0);
const base64Sentinel = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;

const call = (params: Record<string, unknown>, headers: Record<string, string>, id: number | string = 7) =>
  postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { ...params, _meta: MODERN_META } }, headers);

describe('modern-era standard headers under generated input', () => {
  it('an Mcp-Name that differs from params.name is refused with 400 / -32020 and nothing is forwarded', async () => {
    const before = upstream.calls.length;
    await fc.assert(
      fc.asyncProperty(headerValue.filter((h) => h !== TOOL && h !== base64Sentinel(TOOL)), async (name) => {
        const answer = await call({ name: TOOL, arguments: { text: 'x' } }, modernHeaders('tools/call', name));
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ id: 7, error: { code: -32020 } });
      }),
      { numRuns: 150 },
    );
    expect(upstream.calls.length).toBe(before);
  });

  it('an Mcp-Method that differs from the body method is refused with 400 / -32020', async () => {
    await fc.assert(
      fc.asyncProperty(headerValue.filter((h) => h !== 'tools/call'), async (method) => {
        const answer = await call({ name: TOOL, arguments: { text: 'x' } }, { ...modernHeaders(method), 'mcp-name': TOOL });
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ id: 7, error: { code: -32020 } });
      }),
      { numRuns: 100 },
    );
  });

  it('the name as plain text, base64 sentinel or with blanks around it is served', async () => {
    for (const name of [TOOL, base64Sentinel(TOOL), `  ${TOOL}\t`]) {
      const answer = await call({ name: TOOL, arguments: { text: 'ok' } }, modernHeaders('tools/call', name));
      expect(answer.status, name).toBe(200);
      expect(answer.json, name).toMatchObject({ id: 7, result: { content: [{ text: 'ok' }], resultType: 'complete' } });
    }
  });

  it('a missing standard header is refused with 400 / -32020 naming it, with the request id', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'mcp-method': 'tools/call', 'mcp-name': TOOL }, 'MCP-Protocol-Version'],
      [{ 'mcp-protocol-version': '2026-07-28', 'mcp-name': TOOL }, 'Mcp-Method'],
      [{ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' }, 'Mcp-Name'],
    ];
    for (const [headers, missing] of cases) {
      const answer = await call({ name: TOOL, arguments: { text: 'x' } }, headers, 'm');
      expect(answer.status, missing).toBe(400);
      expect(answer.json).toMatchObject({ id: 'm', error: { code: -32020 } });
      expect(rpcError(answer)?.message).toContain(missing);
    }
  });

  it('a garbled envelope is a 400 with the id, never a 5xx and never served', async () => {
    const metaValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
    const envelope = fc.record({ version: fc.oneof(fc.constant('2026-07-28'), fc.jsonValue({ maxDepth: 1 })), info: metaValue, caps: metaValue });
    await fc.assert(
      fc.asyncProperty(envelope, async ({ version, info, caps }) => {
        const meta: Record<string, unknown> = { 'io.modelcontextprotocol/protocolVersion': version };
        if (info !== undefined) meta['io.modelcontextprotocol/clientInfo'] = info;
        if (caps !== undefined) meta['io.modelcontextprotocol/clientCapabilities'] = caps;
        const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'e', method: 'tools/list', params: { _meta: meta } }, modernHeaders('tools/list'));
        expect(answer.status).toBeLessThan(500);
        if (answer.status === 200) {
          // Only a well-formed envelope may be served.
          expect(version).toBe('2026-07-28');
          expect(answer.json).toMatchObject({ id: 'e', result: { resultType: 'complete' } });
          return;
        }
        expect(answer.status).toBe(400);
        expect([-32600, -32602, -32020]).toContain(rpcError(answer)?.code);
        expect(['e', null]).toContain(answer.json?.['id']);
      }),
      { numRuns: 200 },
    );
  });

  it('a revision the gateway does not serve is refused with 400 naming the supported ones', async () => {
    for (const version of ['2025-11-25', '2099-01-01', '2026-07-29']) {
      const answer = await postMcp(
        gateway.mcpUrl,
        { jsonrpc: '2.0', id: 'r', method: 'tools/list', params: { _meta: { ...MODERN_META, 'io.modelcontextprotocol/protocolVersion': version } } },
        { ...modernHeaders('tools/list'), 'mcp-protocol-version': version },
      );
      expect(answer.status, version).toBe(400);
      expect(answer.json?.['id']).toBe('r');
      expect(answer.text).toContain('2026-07-28');
    }
  });

  // Fixed, kept as a regression test. Was (same root as the crash in process-crash.spec.ts): checkModernRequest (src/mcp/protocol.ts) compares
  // String(params.name) with Mcp-Name for any non-string name, so name 5 with "Mcp-Name: 5" is answered
  // 400 / -32020 "params.name and the Mcp-Name header disagree" (showing "5" and "5"). The SDK ladder only
  // mirrors string values; a non-string name belongs to params validation: -32602, in-band.
  it('a non-string params.name is a params error (-32602), not a header mismatch', async () => {
    const answer = await call({ name: 5, arguments: {} }, modernHeaders('tools/call', '5'));
    expect(answer.json).toMatchObject({ id: 7, error: { code: -32602 } });
    expect(answer.status).toBe(200);
  });

  // Fixed, kept as a regression test. Was: the pipeline validates params (src/pipeline/gateway-pipeline.ts, validateParams) before the dispatcher
  // learns that `initialize` does not exist in the modern era, so a modern `initialize` without
  // InitializeRequestParams gets -32602 while one with them gets -32601. The SDK ladder: method existence
  // outranks parameter validity (-32601 either way).
  it('a modern initialize is -32601 whatever its params', async () => {
    const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'i', method: 'initialize', params: { _meta: MODERN_META } }, modernHeaders('initialize'));
    expect(answer.json).toMatchObject({ id: 'i', error: { code: -32601 } });
  });

  // Fixed, kept as a regression test. Was: openSubscription (src/mcp/http-entry.ts) only checks `typeof notifications === 'object'`, so an array
  // opens an SSE stream that can never carry anything, instead of -32602.
  it('subscriptions/listen with a notifications filter that is not an object is -32602', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    try {
      const res = await fetch(gateway.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...modernHeaders('subscriptions/listen') },
        body: JSON.stringify({ jsonrpc: '2.0', id: 's', method: 'subscriptions/listen', params: { _meta: MODERN_META, notifications: [] } }),
        signal: controller.signal,
      });
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toMatchObject({ id: 's', error: { code: -32602 } });
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  });
});
