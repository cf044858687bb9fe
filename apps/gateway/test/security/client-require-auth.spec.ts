/**
 * Attack suite — clients identified by their network address (`requireAuth: false`). A request
 * without any credential from inside such a client's CIDRs is that client: its roles narrowed by
 * its `allowedTools`, its bucket, its name in the audit trail — and nothing more (never admin).
 * A credential that is present is always checked (a bad one is a 401, never a fallback to the
 * address); outside every such CIDR, or for a `requireAuth: true` client, no credential is a 401.
 * The test client is 127.0.0.1, a trusted proxy here, so `X-Forwarded-For` sets the address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  echoTool,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
  type FakeTool,
} from '@mcpgw/testing';
import { validateGatewayConfig, GatewayConfigError } from '../../src/gateway-config/load.js';
import { Authorizer } from '../../src/security/authorizer.js';
import { isAdmin } from '../../src/security/principal.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { readOutbox } from './support/outbox.js';
import { callTool, http, listToolNames, resultOf, rpc, type Answer } from './support/rpc.js';
import { expectUnauthorized, expectUntouched, mark } from './support/upstream-guard.js';

const ADMIN_KEY = 'admin-key-for-require-auth-tests-0001';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
/** Well-formed, never issued. */
const WRONG_KEY = `mcpgw_0123456789abcdef_${'A'.repeat(43)}`;

const wipeTool: FakeTool = {
  name: 'wipe',
  description: 'Deletes everything.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  handler: () => ({ content: [{ type: 'text', text: 'wiped' }] }),
};

const from = (ip: string, headers: Record<string, string> = {}) => ({
  headers: { 'x-forwarded-for': ip, ...headers },
});

type Client = Record<string, unknown>;
const BATCH: Client = {
  id: 'batch',
  requireAuth: false,
  allowedCidrs: ['10.1.0.0/16'],
  roles: ['reader'],
  allowedTools: ['up__echo'],
};
const METERED: Client = {
  id: 'metered',
  requireAuth: false,
  allowedCidrs: ['10.3.0.0/16'],
  roles: ['reader'],
  allowedTools: ['up__echo'],
  rateLimit: { capacity: 2, refillPerSecond: 0 },
};
/** The same shape, but its callers must authenticate. */
const KEYED: Client = { id: 'keyed', allowedCidrs: ['10.4.0.0/16'], allowedTools: ['up__echo'] };

function config(upstreamUrl: string, clients: Client[], extra: Record<string, unknown> = {}) {
  return {
    ipGate: { trustedProxies: ['127.0.0.1/32'], reputation: { enabled: false } },
    // `reader` would grant both tools; the clients' allowedTools keep only echo.
    toolSets: { readers: { requiredRole: 'reader', tools: ['up__echo', 'up__wipe'] } },
    clients,
    upstreams: [{ id: 'up', transport: 'streamable-http', url: upstreamUrl }],
    ...extra,
  };
}

let upstream: FakeMcpUpstream;
let upstreamWithoutWipe: FakeMcpUpstream;
let gateway: GatewayHarness;
/** The same clients in front of an upstream without `wipe`, anonymous access on (roles: none). */
let reference: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool, wipeTool] });
  upstreamWithoutWipe = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  gateway = await startGateway({
    openAccess: false,
    env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
    file: config(upstream.url, [BATCH, METERED, KEYED]),
  });
  reference = await startGateway({
    openAccess: false,
    file: config(upstreamWithoutWipe.url, [BATCH], {
      auth: { anonymous: { enabled: true, roles: [] } },
    }),
  });
  await Promise.all([gateway.core.catalogue.ensureLoaded(), reference.core.catalogue.ensureLoaded()]);
});
afterAll(async () => {
  await gateway?.close();
  await reference?.close();
  await Promise.all([upstream?.close(), upstreamWithoutWipe?.close()]);
});

/** Everything of an HTTP answer a caller can observe, minus the Date header. */
const observable = (answer: Answer) => ({
  status: answer.status,
  headers: [...answer.headers.entries()].filter(([name]) => name !== 'date'),
  body: answer.text,
});

describe('no credentials, from inside a requireAuth: false client', () => {
  it('is that client: its allowed tools only, listed and callable', async () => {
    expect(await listToolNames(gateway.mcpUrl, from('10.1.2.3').headers)).toEqual(['up__echo']);
    const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: 'by address' }, from('10.1.2.3'));
    expect(resultOf(answer)).toMatchObject({ content: [{ type: 'text', text: 'by address' }] });
    expect(upstream.calls.at(-1)?.headers['x-forwarded-for']).toBeUndefined();
  });

  it('a tool its roles grant but its policy does not: refused byte for byte like an unknown tool', async () => {
    const before = mark(upstream);
    const forbidden = await callTool(gateway.mcpUrl, 'up__wipe', {}, { ...from('10.1.2.3'), id: 7 });
    expectUntouched(before);
    const unknown = await callTool(reference.mcpUrl, 'up__wipe', {}, { ...from('10.1.2.3'), id: 7 });
    expect(forbidden.json).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32602, message: 'Unknown tool: up__wipe' },
    });
    expect(observable(forbidden)).toEqual(observable(unknown));
    const rest = await http(`${gateway.url}/mcp/call/up__wipe`, { method: 'POST', ...from('10.1.2.3'), body: {} });
    expect(rest.status).toBe(404);
    expectUntouched(before);
  });

  it('draws from the client bucket: capacity 2 without refill admits exactly 2, from any of its addresses', async () => {
    const statuses: number[] = [];
    for (const ip of ['10.3.0.1', '10.3.0.2', '10.3.0.3']) {
      const before = mark(upstream);
      const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: ip }, from(ip));
      statuses.push(answer.status);
      if (answer.status === 429) {
        expectUntouched(before);
        expect(answer.headers.get('retry-after')).toBe('86400');
        expect(answer.headers.get('ratelimit-limit')).toBe('2');
      }
    }
    expect(statuses).toEqual([200, 200, 429]);
    const before = mark(upstream);
    expect((await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, from('10.3.200.9'))).status).toBe(429);
    expectUntouched(before);
  });

  it('is never an admin', async () => {
    const answer = await http(`${gateway.url}/admin/keys`, from('10.1.2.3'));
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('owner');
  });

  it('wins over anonymous access (whose roles grant nothing here)', async () => {
    expect(await listToolNames(reference.mcpUrl, from('10.1.9.9').headers)).toEqual(['up__echo']);
    expect(await listToolNames(reference.mcpUrl, from('10.2.9.9').headers)).toEqual([]);
  });

  it('is recorded as the client: user and client_id name it', async () => {
    // An address of its own, so its events are this call's (no tracer runs here to correlate them).
    resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'audited' }, from('10.1.7.7')));
    const events = (await readOutbox(gateway.store)).filter((e) => e.client_ip === '10.1.7.7');
    expect(events.map((e) => e.type)).toEqual(['mcp.forward', 'mcp.request']);
    const request = events.find((e) => e.type === 'mcp.request');
    expect(request).toMatchObject({
      user: 'client:batch',
      client_id: 'batch',
      client_ip: '10.1.7.7',
      tool: 'up__echo',
      decision: 'allow',
      status: 200,
    });
    expect(events.find((e) => e.type === 'mcp.forward')).toMatchObject({ user: 'client:batch', client_id: 'batch' });
  });
});

describe('refused', () => {
  it('a wrong API key from inside the CIDR: 401, no fallback to the address', async () => {
    const before = mark(upstream);
    const attempts: Array<Record<string, string>> = [
      { 'x-api-key': WRONG_KEY },
      { authorization: `Bearer ${WRONG_KEY}` },
      { authorization: 'Basic YTpi' },
    ];
    for (const headers of attempts) {
      const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, from('10.1.2.3', headers));
      await expectUnauthorized(answer, gateway.url);
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expectUntouched(before);
  });

  it('no credentials from outside every network client: 401 (anonymous disabled)', async () => {
    const before = mark(upstream);
    for (const ip of ['10.2.0.1', '10.0.255.255', '10.5.0.1', '127.0.0.1']) {
      await expectUnauthorized(await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, from(ip)), gateway.url);
    }
    expectUntouched(before);
  });

  it('no credentials from inside a requireAuth: true client: 401 (its key holders get in)', async () => {
    const before = mark(upstream);
    await expectUnauthorized(await callTool(gateway.mcpUrl, 'up__echo', { text: 'x' }, from('10.4.0.1')), gateway.url);
    expect((await rpc(gateway.mcpUrl, 'tools/list', {}, from('10.4.0.1'))).status).toBe(401);
    expectUntouched(before);
    const key = (await gateway.core.apiKeys.create({ owner: 'k', roles: ['reader'], clientId: 'keyed' })).key;
    resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'keyed' }, from('10.4.0.1', { 'x-api-key': key })));
  });
});

describe('the network principal (rules as compiled, bypassing load-time checks)', () => {
  it('is never an admin, even with the admin role: no admin routes, no tool it was not granted', () => {
    const valid = validateGatewayConfig(config('http://127.0.0.1:9/mcp', [{ ...BATCH, allowedTools: [] }]));
    const authorizer = new Authorizer({
      toolSets: valid.toolSets,
      clients: valid.clients.map((c) => ({ ...c, roles: ['admin'] })),
    });
    const principal = authorizer.networkPrincipalOf('10.1.0.1');
    expect(principal).toEqual({ id: 'client:batch', kind: 'network', clientId: 'batch', user: 'client:batch', roles: ['admin'] });
    expect(isAdmin(principal)).toBe(false);
    expect(principal && authorizer.mayUse(principal, 'up__echo')).toBe(false);
    expect(authorizer.networkPrincipalOf('10.2.0.1')).toBeUndefined();
    expect(authorizer.networkPrincipalOf('::ffff:10.1.0.1')).toMatchObject({ clientId: 'batch' });
  });
});

describe('config', () => {
  const problemsOf = (clients: Client[]): readonly string[] => {
    try {
      validateGatewayConfig(config('http://127.0.0.1:9/mcp', clients));
      return [];
    } catch (err) {
      if (err instanceof GatewayConfigError) return err.problems;
      throw err;
    }
  };

  it('requireAuth: false without allowedCidrs is refused, named', () => {
    expect(problemsOf([{ id: 'open', requireAuth: false, roles: ['reader'] }])).toEqual([
      'clients.0.allowedCidrs: must list the source addresses when requireAuth is false',
    ]);
  });

  it('two requireAuth: false clients sharing addresses are refused, named', () => {
    expect(problemsOf([BATCH, { ...METERED, allowedCidrs: ['10.3.0.0/16', '10.1.128.0/17'] }])).toEqual([
      'clients.1.allowedCidrs.1: overlaps clients.0.allowedCidrs.0; two requireAuth: false clients may not share an address',
    ]);
  });

  describe('reload', () => {
    let dir: string;
    let file: string;
    let reloaded: GatewayHarness;
    const write = (clients: Client[]) => writeFileSync(file, stringify(config(upstream.url, clients)));
    const reload = () => http(`${reloaded.url}/admin/config/reload`, { method: 'POST', headers: admin });
    const statusFrom = async (ip: string) =>
      (await callTool(reloaded.mcpUrl, 'up__echo', { text: ip }, from(ip))).status;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'gw-require-auth-'));
      file = path.join(dir, 'gateway.yaml');
      write([BATCH]);
      reloaded = await startGateway({
        openAccess: false,
        file: config(upstream.url, [BATCH]),
        env: { GATEWAY_ADMIN_KEY: ADMIN_KEY, GATEWAY_CONFIG: file },
      });
    });
    afterAll(async () => {
      await reloaded?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('moves, keeps on a bad file, and removes the network identity', async () => {
      expect(await statusFrom('10.1.0.5')).toBe(200);

      write([{ ...BATCH, allowedCidrs: ['10.6.0.0/16'] }]);
      expect((await reload()).status).toBe(200);
      expect([await statusFrom('10.1.0.5'), await statusFrom('10.6.0.5')]).toEqual([401, 200]);

      write([{ ...BATCH, allowedCidrs: ['10.6.0.0/16'] }, { ...METERED, allowedCidrs: ['10.6.1.0/24'] }]);
      const refused = await reload();
      expect(refused.status).toBe(400);
      expect(refused.json?.['details']).toEqual([
        expect.objectContaining({ field: 'clients.1.allowedCidrs.0', message: expect.stringContaining('overlaps clients.0.allowedCidrs.0') }),
      ]);
      expect(await statusFrom('10.6.1.5')).toBe(200);

      const { roles: _roles, ...batchWithoutRoles } = BATCH;
      write([{ ...batchWithoutRoles, requireAuth: true, allowedCidrs: ['10.6.0.0/16'] }]);
      expect((await reload()).status).toBe(200);
      const before = mark(upstream);
      expect(await statusFrom('10.6.0.5')).toBe(401);
      expectUntouched(before);
    });
  });
});
