/**
 * Once a caller's bucket is empty, no kind of POST to /mcp may keep going through: each one is
 * processed and written to the audit outbox, so an uncharged kind is an unlimited flood (and can
 * push the capped outbox past its limit while the collector is away).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { MODERN_META, decisions, postMcp } from './support/fuzz-http.js';

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

  // Fixed, kept as a regression test. Was (rate-limit bypass): the notification branch of handleMcp (src/mcp/http-entry.ts, `message.id ===
  // undefined`) answers 202 without rateLimiter.admit, unlike posted answers (acceptClientAnswer) and
  // subscriptions (acceptSubscription). A caller whose bucket is empty keeps getting 202s, each one an
  // audit event in the outbox (and notifications/cancelled aborts run) — unbounded.
  it('notifications are refused with 429 once the bucket is empty', async () => {
    await drainBucket();
    const allowedBefore = await decisions(gateway.registry, { decision: 'allow' });
    for (let i = 0; i < 20; i += 1) {
      const answer = await postMcp(gateway.mcpUrl, { jsonrpc: '2.0', method: i % 2 ? 'notifications/initialized' : 'notifications/cancelled', params: { requestId: i } });
      expect(answer.status).toBe(429);
    }
    expect(await decisions(gateway.registry, { decision: 'allow' })).toBe(allowedBefore);
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
