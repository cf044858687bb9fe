/**
 * Attack suite — API-key authentication: missing, malformed, oversized, wrong, expired, revoked
 * and rotated keys, keys in the query string. Every refusal is a 401 carrying the RFC 9728
 * pointer, and nothing reaches the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { callTool, http, resultOf } from './support/rpc.js';
import { expectUnauthorized, expectUntouched, mark } from './support/upstream-guard.js';

const ADMIN_KEY = 'admin-key-for-security-tests-0001';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;
let validKey: string;

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const answer = await http(`${gateway.url}/admin/keys`, { method: 'POST', headers: admin, body });
  expect(answer.status, answer.text).toBe(201);
  return { key: String(answer.json?.['key']), id: String(answer.json?.['id']) };
}

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  gateway = await startGateway({
    openAccess: false,
    env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
    file: {
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    },
  });
  ({ key: validKey } = await createKey({ owner: 'alice', roles: ['echo-user'] }));
  // The catalogue is loaded before any attack, so an attack that reaches nothing sends nothing.
  resultOf(
    await callTool(
      gateway.mcpUrl,
      'up__echo',
      { text: 'warm-up' },
      { headers: { 'x-api-key': validKey } },
    ),
  );
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe('API keys', () => {
  it('a valid key is accepted, and it never travels on to the upstream', async () => {
    const answer = await callTool(
      gateway.mcpUrl,
      'up__echo',
      { text: 'hello' },
      { headers: { authorization: `Bearer ${validKey}` } },
    );
    expect(resultOf(answer)).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    const call = upstream.calls.at(-1);
    expect(call?.headers['authorization']).toBeUndefined();
    expect(call?.headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(upstream.requests.slice(-2))).not.toContain(validKey);
  });

  it('the admin API hands out keys with a recognisable prefix and ≥ 128 random bits, stored only hashed', async () => {
    const { key, id } = await createKey({ owner: 'bob', roles: [] });
    expect(key).toMatch(/^mcpgw_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const listing = await http(`${gateway.url}/admin/keys`, { headers: admin });
    expect(listing.text).not.toContain(key.slice(24));
    expect(listing.text).not.toContain('"hash"');
    expect(listing.json?.['keys']).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, owner: 'bob' })]),
    );
    expect(await gateway.store.get(`apikey:id:${id}`)).toMatch(/^[a-f0-9]{64}$/);
  });

  const attacks: Array<[string, () => Record<string, string>]> = [
    ['missing credentials', () => ({})],
    ['a Basic credential', () => ({ authorization: 'Basic YWxpY2U6aHVudGVyMg==' })],
    ['an empty Bearer', () => ({ authorization: 'Bearer ' })],
    ['a Bearer with embedded whitespace', () => ({ authorization: `Bearer ${validKey} extra` })],
    ['an empty X-API-Key', () => ({ 'x-api-key': '' })],
    ['an oversized key (9 kB)', () => ({ 'x-api-key': `mcpgw_${'a'.repeat(9000)}` })],
    [
      'a well-formed key nobody issued',
      () => ({ 'x-api-key': `mcpgw_0123456789abcdef_${'A'.repeat(43)}` }),
    ],
    [
      'a valid key with one character changed',
      () => ({ 'x-api-key': validKey.slice(0, -1) + (validKey.endsWith('A') ? 'B' : 'A') }),
    ],
    ['a truncated key', () => ({ 'x-api-key': validKey.slice(0, -4) })],
    ['the admin key with a suffix', () => ({ authorization: `Bearer ${ADMIN_KEY}x` })],
  ];

  it.each(attacks)(
    '%s → 401 with the metadata pointer, nothing forwarded (/mcp, REST, admin)',
    async (_name, headers) => {
      const before = mark(upstream);
      await expectUnauthorized(
        await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, { headers: headers() }),
        gateway.url,
      );
      await expectUnauthorized(
        await http(`${gateway.url}/mcp/call/up__echo`, {
          method: 'POST',
          headers: headers(),
          body: { text: 'x' },
        }),
        gateway.url,
      );
      await expectUnauthorized(
        await http(`${gateway.url}/mcp/tools`, { headers: headers() }),
        gateway.url,
      );
      await expectUnauthorized(
        await http(`${gateway.url}/admin/keys`, { headers: headers() }),
        gateway.url,
      );
      expectUntouched(before);
    },
  );

  it('an expired key → 401; the admin API refuses an expiry in the past', async () => {
    const { key } = await gateway.core.apiKeys.create({
      owner: 'carol',
      roles: ['echo-user'],
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const before = mark(upstream);
    await expectUnauthorized(
      await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, { headers: { 'x-api-key': key } }),
      gateway.url,
    );
    expectUntouched(before);
    const refused = await http(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: { owner: 'carol', expires_at: '2001-01-01T00:00:00Z' },
    });
    expect(refused.status).toBe(400);
  });

  it('a key that expires while cached stops working at its expiry', async () => {
    const { key } = await createKey({
      owner: 'dave',
      roles: ['echo-user'],
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    resultOf(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'in time' },
        { headers: { 'x-api-key': key } },
      ),
    );
    await new Promise((r) => setTimeout(r, 1600));
    const before = mark(upstream);
    await expectUnauthorized(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'late' },
        { headers: { 'x-api-key': key } },
      ),
      gateway.url,
    );
    expectUntouched(before);
  });

  it('a revoked key → 401 at once; a rotated key is replaced by its successor', async () => {
    const { key, id } = await createKey({ owner: 'erin', roles: ['echo-user'] });
    resultOf(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'before' },
        { headers: { 'x-api-key': key } },
      ),
    );
    expect(
      (await http(`${gateway.url}/admin/keys/${id}`, { method: 'DELETE', headers: admin })).status,
    ).toBe(204);
    const before = mark(upstream);
    await expectUnauthorized(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'after' },
        { headers: { 'x-api-key': key } },
      ),
      gateway.url,
    );
    expectUntouched(before);

    const old = await createKey({ owner: 'frank', roles: ['echo-user'] });
    const rotated = await http(`${gateway.url}/admin/keys/${old.id}/rotate`, {
      method: 'POST',
      headers: admin,
    });
    expect(rotated.status).toBe(201);
    await expectUnauthorized(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'old' },
        { headers: { 'x-api-key': old.key } },
      ),
      gateway.url,
    );
    resultOf(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'new' },
        { headers: { 'x-api-key': String(rotated.json?.['key']) } },
      ),
    );
  });

  it('a key in the query string is refused even when valid, and never reaches the log', async () => {
    const before = mark(upstream);
    const urls = [
      `${gateway.mcpUrl}?api_key=${validKey}`,
      `${gateway.mcpUrl}?access_token=${validKey}`,
      `${gateway.mcpUrl}?api%5Fkey=${validKey}`,
      `${gateway.mcpUrl}?q=${validKey}`,
    ];
    for (const url of urls) {
      await expectUnauthorized(
        await callTool(url, 'up__echo', { text: 'x' }, { headers: { 'x-api-key': validKey } }),
        gateway.url,
      );
      await expectUnauthorized(await callTool(url, 'up__echo', { text: 'x' }), gateway.url);
    }
    await expectUnauthorized(await http(`${gateway.url}/mcp/tools?token=${validKey}`), gateway.url);
    await expectUnauthorized(
      await http(`${gateway.url}/mcp/call/up__echo?key=${validKey}`, {
        method: 'POST',
        body: { text: 'x' },
      }),
      gateway.url,
    );
    expectUntouched(before);
    expect(gateway.logLines.length).toBeGreaterThan(0);
    const secret = validKey.slice('mcpgw_'.length + 17);
    expect(gateway.logLines.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('the protected-resource metadata (RFC 9728) answers without credentials', async () => {
    const answer = await http(`${gateway.url}/.well-known/oauth-protected-resource`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      resource: `${gateway.url}/mcp`,
      authorization_servers: [],
      bearer_methods_supported: ['header'],
      resource_name: 'MCP secure gateway',
    });
  });
});
