/**
 * Upstreams managed at runtime through the admin API: add, remove, drain and undrain, admin only
 * and audited; the entry is validated like an `upstreams:` entry of the file; the catalogue and
 * `list_changed` follow; a drain lets in-flight calls finish while new ones are refused.
 */
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, slowTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { callTool, http, listToolNames, resultOf, type Answer } from './security/support/rpc.js';

const ADMIN_KEY = 'admin-key-for-upstream-admin-tests-0001';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const STDIO_FIXTURE = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));

let base: FakeMcpUpstream;
let extra: FakeMcpUpstream;
let gateway: GatewayHarness;

const adminCall = (path: string, method = 'GET', body?: unknown, headers: Record<string, string> = admin) =>
  http(`${gateway.url}/admin${path}`, { method, headers, body });

async function upstreamsView(): Promise<Array<Record<string, unknown>>> {
  return (await adminCall('/upstreams')).json?.['upstreams'] as Array<Record<string, unknown>>;
}

const stateOf = async (id: string) => (await upstreamsView()).find((u) => u['id'] === id)?.['state'];
const errorOf = (answer: Answer) => answer.json?.['error'] as { code: number; message: string } | undefined;

beforeAll(async () => {
  base = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  extra = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool, slowTool(1500)] });
  gateway = await startGateway({
    env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
    file: { runtimeUpstreams: { allowStdio: true }, upstreams: [{ id: 'base', transport: 'streamable-http', url: base.url }] },
  });
  expect(await listToolNames(gateway.mcpUrl)).toContain('base__echo');
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([base?.close(), extra?.close()]);
});

describe('admin API: runtime upstreams', () => {
  it('adds an upstream: listed, callable, pinned, announced to listening clients, ready-checked and audited', async () => {
    let changes = 0;
    const client = new Client(
      { name: 'listener', version: '1' },
      { versionNegotiation: { mode: 'auto' }, listChanged: { tools: { onChanged: () => (changes += 1), autoRefresh: false } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.mcpUrl)));
    await client.listTools();
    const before = changes;

    const added = await adminCall('/upstreams', 'POST', { id: 'extra', transport: 'streamable-http', url: extra.url, timeoutMs: 5000 });
    expect(added.status).toBe(201);
    // The answer waits for the first listing: the tools are there when it arrives.
    expect(added.json).toMatchObject({ id: 'extra', transport: 'streamable-http', source: 'runtime', state: 'active', listing: 'complete', healthy: true, tools: 2 });
    expect(await listToolNames(gateway.mcpUrl)).toContain('extra__echo');

    await expect.poll(() => listToolNames(gateway.mcpUrl), { timeout: 5000 }).toContain('extra__echo');
    expect(resultOf(await callTool(gateway.mcpUrl, 'extra__echo', { text: 'hello' }))).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    await expect.poll(() => changes, { timeout: 5000 }).toBeGreaterThan(before);
    await client.close();

    // The rug-pull guard covers runtime upstreams too: their tools are pinned when first seen.
    expect(await gateway.store.get('pin:extra:echo')).not.toBeNull();
    const view = (await upstreamsView()).find((u) => u['id'] === 'extra');
    expect(view).toMatchObject({ transport: 'streamable-http', source: 'runtime', state: 'active', tools: 2 });
    expect(JSON.stringify(view)).not.toContain(extra.url); // no url, headers or env in the view
    const ready = (await http(`${gateway.url}/ready`)).json?.['checks'] as Record<string, string>;
    expect(ready['upstream:extra']).toBe('ok');
    const audited = gateway.logLines.filter((l) => l.includes('"admin.upstreams.add"'));
    expect(audited.at(-1)).toMatch(/"upstream":"extra"/);
    expect(audited.at(-1)).toMatch(/"decision":"allow"/);
  });

  it('says at once when a new upstream does not answer (201, unhealthy, no tools), and it can be removed', async () => {
    const added = await adminCall('/upstreams', 'POST', { id: 'dead', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp', timeoutMs: 2000 });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: 'dead', listing: 'complete', healthy: false, tools: 0, connected: false });
    expect(JSON.stringify(added.json)).not.toContain('127.0.0.1:9');
    expect((await adminCall('/upstreams/dead', 'DELETE')).status).toBe(204);
  });

  it('refuses an id that exists (runtime or file) with 409', async () => {
    for (const id of ['extra', 'base']) {
      const again = await adminCall('/upstreams', 'POST', { id, transport: 'streamable-http', url: extra.url });
      expect(again.status).toBe(409);
      expect(again.json?.['message']).toBe(`upstream "${id}" already exists`);
    }
  });

  it('answers a bad entry 400, naming every field, and adds nothing', async () => {
    const bad = await adminCall('/upstreams', 'POST', {
      id: 'Bad Id',
      transport: 'streamable-http',
      url: 'ftp://example',
      command: 'node',
      bogus: true,
      headers: { Authorization: 42 },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.json?.['details'] as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['bogus', 'command', 'headers.Authorization', 'id', 'url']);
    expect(bad.text).not.toContain('Bad Id'); // problems never echo values back
    expect((await upstreamsView()).map((u) => u['id'])).toEqual(['base', 'extra']);
  });

  it('refuses every upstream action to a caller without the admin role (403) and changes nothing', async () => {
    const anonymous = {}; // the harness's anonymous caller has the `tester` role, not `admin`
    const answers = await Promise.all([
      adminCall('/upstreams', 'POST', { id: 'sneaky', transport: 'streamable-http', url: extra.url }, anonymous),
      adminCall('/upstreams/extra', 'DELETE', undefined, anonymous),
      adminCall('/upstreams/extra/drain', 'POST', undefined, anonymous),
      adminCall('/config/reload', 'POST', undefined, anonymous),
      adminCall('/upstreams', 'GET', undefined, anonymous),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    expect(await upstreamsView()).toMatchObject([
      { id: 'base', state: 'active' },
      { id: 'extra', state: 'active' },
    ]);
    expect(await listToolNames(gateway.mcpUrl)).toContain('extra__echo');
  });

  it('drains: an in-flight call finishes, a new call is answered like an unknown tool, then the upstream is closed', async () => {
    const inFlight = callTool(gateway.mcpUrl, 'extra__slow', {});
    await expect.poll(() => extra.calls.filter((c) => c.tool === 'slow').length, { timeout: 5000 }).toBe(1);

    const drain = await adminCall('/upstreams/extra/drain', 'POST');
    expect(drain.status).toBe(202);
    expect(drain.json).toEqual({ id: 'extra', state: 'draining' });
    const refused = await callTool(gateway.mcpUrl, 'extra__echo', { text: 'too late' });
    const unknown = await callTool(gateway.mcpUrl, 'no-such__tool', {});
    expect(errorOf(refused)).toEqual({ code: -32602, message: 'Unknown tool: extra__echo' });
    expect(errorOf(refused)?.code).toBe(errorOf(unknown)?.code);
    expect(await listToolNames(gateway.mcpUrl)).not.toContain('extra__echo');
    expect(await stateOf('extra')).toBe('draining');
    expect(extra.calls.filter((c) => c.tool === 'echo' && c.arguments['text'] === 'too late')).toHaveLength(0);

    expect(resultOf(await inFlight)).toMatchObject({ content: [{ type: 'text', text: 'slept 1500 ms' }] });
    await expect.poll(() => stateOf('extra'), { timeout: 5000 }).toBe('drained');
    expect(gateway.core.upstreams.get('extra')?.connected).toBe(false);
  });

  it('undrains: the tools come back and are callable', async () => {
    const undrain = await adminCall('/upstreams/extra/undrain', 'POST');
    expect(undrain.json).toEqual({ id: 'extra', state: 'active' });
    await expect.poll(() => listToolNames(gateway.mcpUrl), { timeout: 5000 }).toContain('extra__echo');
    expect(resultOf(await callTool(gateway.mcpUrl, 'extra__echo', { text: 'back' }))).toMatchObject({ content: [{ text: 'back' }] });
  });

  it('removes a runtime upstream: its tools leave the catalogue and its connection closes', async () => {
    const connection = gateway.core.upstreams.get('extra');
    expect((await adminCall('/upstreams/extra', 'DELETE')).status).toBe(204);
    expect(gateway.core.upstreams.get('extra')).toBeUndefined();
    expect(connection?.connected).toBe(false);
    expect(await listToolNames(gateway.mcpUrl)).not.toContain('extra__echo');
    expect(errorOf(await callTool(gateway.mcpUrl, 'extra__echo', { text: 'gone' }))).toEqual({ code: -32602, message: 'Unknown tool: extra__echo' });
    const ready = (await http(`${gateway.url}/ready`)).json?.['checks'] as Record<string, string>;
    expect(ready['upstream:extra']).toBeUndefined();
    expect((await adminCall('/upstreams/extra', 'DELETE')).status).toBe(404);
    expect((await adminCall('/upstreams/extra/drain', 'POST')).status).toBe(404);
    expect((await adminCall('/upstreams/NOT..an-id/drain', 'POST')).status).toBe(404);
  });

  it('removes a file upstream with a tombstone, and adding the id again brings it back as a runtime upstream', async () => {
    expect((await adminCall('/upstreams/base', 'DELETE')).status).toBe(204);
    expect(await listToolNames(gateway.mcpUrl)).not.toContain('base__echo');
    expect(gateway.core.upstreamAdmin.list().map((u) => u.id)).toEqual([]);
    const readded = await adminCall('/upstreams', 'POST', { id: 'base', transport: 'streamable-http', url: base.url });
    expect(readded.status).toBe(201);
    await expect.poll(() => listToolNames(gateway.mcpUrl), { timeout: 5000 }).toContain('base__echo');
    expect(await upstreamsView()).toMatchObject([{ id: 'base', source: 'runtime', state: 'active' }]);
  });

  it('runs a runtime stdio upstream under the same sandbox rules as a file one (only declared variables)', async () => {
    const added = await adminCall('/upstreams', 'POST', {
      id: 'local',
      transport: 'stdio',
      command: 'node',
      args: [STDIO_FIXTURE],
      env: { ONLY_THIS: '1' },
    });
    expect(added.status).toBe(201);
    await expect.poll(() => listToolNames(gateway.mcpUrl), { timeout: 10_000 }).toContain('local__env');
    const env = resultOf(await callTool(gateway.mcpUrl, 'local__env', {}));
    const names = String((env['content'] as Array<{ text: string }>)[0]?.text).split(',');
    expect(names).toContain('ONLY_THIS');
    expect(names.filter((n) => ['HOME', 'PATH', 'USER', 'SHELL', 'GATEWAY_ADMIN_KEY'].includes(n))).toEqual([]);
    expect((await adminCall('/upstreams/local', 'DELETE')).status).toBe(204);
  });
});

describe('admin API: runtime upstream policy', () => {
  let narrow: GatewayHarness;
  beforeAll(async () => {
    narrow = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN_KEY }, file: { namespaceSeparator: '_' } });
  });
  afterAll(async () => {
    await narrow?.close();
  });

  it('refuses stdio upstreams unless runtimeUpstreams.allowStdio (403)', async () => {
    const answer = await http(`${narrow.url}/admin/upstreams`, { method: 'POST', headers: admin, body: { id: 'local', transport: 'stdio', command: 'node' } });
    expect(answer.status).toBe(403);
    expect(answer.json?.['message']).toMatch(/runtimeUpstreams\.allowStdio/);
    expect(narrow.core.upstreamAdmin.list()).toEqual([]);
  });

  it('refuses an id whose namespace would collide with a built-in tool (409, named)', async () => {
    const answer = await http(`${narrow.url}/admin/upstreams`, { method: 'POST', headers: admin, body: { id: 'tyk', transport: 'streamable-http', url: 'http://127.0.0.1:9/mcp' } });
    expect(answer.status).toBe(409);
    expect(answer.json?.['message']).toBe('tools of upstream "tyk" would be named tyk_<tool>, which collides with the built-in tool "tyk_api_analytics"');
    expect(narrow.core.upstreamAdmin.list()).toEqual([]);
  });
});
