/**
 * Once a caller's bucket is empty, no kind of POST to /mcp may keep going through: each one is
 * processed and written to the audit outbox, so an uncharged kind is an unlimited flood (and can
 * push the capped outbox past its limit while the collector is away).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { MODERN_META, postMcp } from './support/fuzz-http.js';

let gateway: GatewayHarness;

beforeEach(async () => {
  // Three tokens for the anonymous caller, practically no refill.
  gateway = await startGateway({
    file: {
      auth: { anonymous: { enabled: true, roles: ['tester'], rateLimit: { capacity: 3, refillPerSecond: 0.0001 } } },
      toolSets: { everything: { requiredRole: 'tester', tools: ['*'] } },
    },
  });
});
afterEach(async () => {
  await gateway?.close();
});

/** Spends the bucket and checks that it is empty. */
async function drainBucket(): Promise<void> {
  for (let i = 0; i < 3; i += 1) expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: i, method: 'ping' })).status).toBe(200);
  const refused = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'x', method: 'ping' });
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).not.toBeNull();
}

describe('rate limits cover every kind of POST', () => {
  it('requests and posted client answers are refused with 429 once the bucket is empty', async () => {
    await drainBucket();
    const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'gw-req-1', result: {} });
    expect(answer.status).toBe(429);
    const modern = await postMcp(
      gateway.mcpUrl,
      { jsonrpc: '2.0', id: 'm', method: 'tools/list', params: { _meta: MODERN_META } },
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
    );
    expect(modern.status).toBe(429);
  });

  it('unknown methods and invalid params spend tokens too: 429 once the bucket is empty', async () => {
    // two of the three tokens go to refused calls: the third call still passes, the fourth does not
    expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'no/such/method' })).json).toMatchObject({ error: { code: -32601 } });
    expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 7 } })).json).toMatchObject({ error: { code: -32602 } });
    expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 3, method: 'ping' })).status).toBe(200);
    expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 4, method: 'no/such/method' })).status).toBe(429);
  });

  // Notifications are never refused for rate: `initialized` completes the handshake (a client
  // with a one-token bucket could otherwise never connect) and `cancelled` must stop work even
  // for a caller at its limit. They spend no token; each is audited as any request is.
  it('notifications go through with an empty bucket, and spend no token', async () => {
    await drainBucket();
    for (let i = 0; i < 4; i += 1) {
      const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', method: i % 2 ? 'notifications/initialized' : 'notifications/cancelled', params: { requestId: i } });
      expect(answer.status).toBe(202);
    }
    expect((await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: 'after', method: 'ping' })).status).toBe(429);
  });

  // Fixed, kept as a regression test. Was (rate-limit bypass, same place): bodies refused before dispatch — invalid JSON (-32700), invalid
  // envelopes and batches (-32600), header mismatches (-32020) — never spend a token either, though the
  // principal is known (admission ran) and each is audited. security.md: "a flood of invalid calls is still
  // a flood". Expected: 429 once the bucket is empty.
  it('malformed bodies are refused with 429 once the bucket is empty', async () => {
    await drainBucket();
    const bodies: Array<[unknown, Record<string, string>]> = [
      ['{"jsonrpc":', {}],
      [{ jsonrpc: '1.0', id: 1, method: 'ping' }, {}],
      [[{ jsonrpc: '2.0', id: 1, method: 'ping' }], {}],
      [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' }],
    ];
    for (const [body, headers] of bodies) {
      const answer = await postMcp(gateway.mcpUrl, body, headers);
      expect(answer.status, JSON.stringify(body)).toBe(429);
    }
  });
});
