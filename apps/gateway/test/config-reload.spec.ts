/**
 * Config reload (`POST /admin/config/reload`, SIGHUP): the file is re-read and re-validated; an
 * invalid file keeps the running config and names every error (never a value); a valid one
 * applies the upstream set (add, remove, replace) and the authorization sections at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, startServiceProcess, type FakeMcpUpstream, type ServiceProcess } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { callTool, http, listToolNames, resultOf, sleep } from './security/support/rpc.js';

const ADMIN_KEY = 'admin-key-for-config-reload-tests-00001';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const SECRET = 'sk-upstream-credential-never-logged-4711';

let one: FakeMcpUpstream;
let two: FakeMcpUpstream;
let dir: string;

/** A full config file: anonymous callers get the `user` role, which the `visible` tool set grants. */
function configFile(upstreams: Array<{ id: string; url: string }>, tools: string[], extra: Record<string, unknown> = {}) {
  return {
    auth: { anonymous: { enabled: true, roles: ['user'], rateLimit: { capacity: 100_000, refillPerSecond: 100_000 } } },
    defaultRateLimit: { capacity: 100_000, refillPerSecond: 100_000 },
    toolSets: { visible: { requiredRole: 'user', tools } },
    upstreams: upstreams.map((u) => ({ id: u.id, transport: 'streamable-http', url: u.url, headers: { Authorization: `Bearer ${SECRET}` } })),
    ...extra,
  };
}

beforeAll(async () => {
  [one, two] = await Promise.all([startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] }), startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] })]);
  dir = mkdtempSync(path.join(tmpdir(), 'gw-reload-'));
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /admin/config/reload', () => {
  let gateway: GatewayHarness;
  let file: string;
  const reload = () => http(`${gateway.url}/admin/config/reload`, { method: 'POST', headers: admin });

  beforeAll(async () => {
    file = path.join(dir, 'gateway.yaml');
    const initial = configFile([{ id: 'one', url: one.url }], ['one__*']);
    writeFileSync(file, stringify(initial));
    gateway = await startGateway({ openAccess: false, file: initial, env: { GATEWAY_ADMIN_KEY: ADMIN_KEY, GATEWAY_CONFIG: file } });
    expect(await listToolNames(gateway.mcpUrl)).toEqual(['one__echo']);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('keeps the running config when the file is invalid, names every error, and logs no value', async () => {
    writeFileSync(
      file,
      stringify({
        ...configFile([{ id: 'one', url: one.url }], ['two__*']),
        toolSets: { visible: { requiredRole: 'user', tools: [] } },
        upstreams: [
          { id: 'Bad Id', transport: 'streamable-http', url: 'ftp://nowhere' },
          { id: 'local', transport: 'stdio', command: 'node', headers: { Authorization: `Bearer ${SECRET}` } },
        ],
        pageSize: 'many',
      }),
    );
    const refused = await reload();
    expect(refused.status).toBe(400);
    const fields = (refused.json?.['details'] as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(['pageSize', 'toolSets.visible.tools', 'upstreams.0.id', 'upstreams.0.url', 'upstreams.1.headers']);
    expect(refused.text).not.toContain(SECRET);
    const logged = gateway.logLines.filter((l) => l.includes('config reload refused'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('upstreams.1.headers');
    expect(gateway.logLines.join('\n')).not.toContain(SECRET);

    expect(await listToolNames(gateway.mcpUrl)).toEqual(['one__echo']);
    expect(resultOf(await callTool(gateway.mcpUrl, 'one__echo', { text: 'still here' }))).toMatchObject({ content: [{ text: 'still here' }] });
  });

  it('answers a file that is not YAML 400 as well', async () => {
    writeFileSync(file, 'upstreams: [unclosed');
    const refused = await reload();
    expect(refused.status).toBe(400);
    expect(refused.json?.['details']).toEqual([{ field: '(file)', message: expect.stringMatching(/^not valid YAML/) }]);
    expect(await listToolNames(gateway.mcpUrl)).toEqual(['one__echo']);
  });

  it('applies a valid file: adds and removes upstreams, changes a tool set, and reports restart-only sections', async () => {
    writeFileSync(file, stringify(configFile([{ id: 'two', url: two.url }], ['two__*'], { pageSize: 50 })));
    const applied = await reload();
    expect(applied.status).toBe(200);
    expect(applied.json).toMatchObject({
      reloaded: true,
      applied: ['upstreams', 'toolSets'],
      restart_required: ['pageSize'],
      upstreams: { added: ['two'], removed: ['one'], replaced: [], drained: [], undrained: [] },
    });
    await expect.poll(() => listToolNames(gateway.mcpUrl), { timeout: 5000 }).toEqual(['two__echo']);
    expect(resultOf(await callTool(gateway.mcpUrl, 'two__echo', { text: 'new' }))).toMatchObject({ content: [{ text: 'new' }] });
    expect((await callTool(gateway.mcpUrl, 'one__echo', { text: 'old' })).json?.['error']).toEqual({ code: -32602, message: 'Unknown tool: one__echo' });
    const clients = await http(`${gateway.url}/admin/clients`, { headers: admin });
    expect(clients.json?.['toolSets']).toEqual({ visible: { requiredRole: 'user', tools: ['two__*'] } });
    expect(gateway.logLines.join('\n')).not.toContain(SECRET);
  });

  it('replaces an upstream whose entry changed, and a tool set change alone hides tools at once', async () => {
    writeFileSync(file, stringify(configFile([{ id: 'two', url: one.url }], ['nothing__*'], { pageSize: 50 })));
    const applied = await reload();
    expect(applied.json).toMatchObject({ applied: ['upstreams', 'toolSets'], restart_required: ['pageSize'], upstreams: { added: [], removed: [], replaced: ['two'] } });
    expect(await listToolNames(gateway.mcpUrl)).toEqual([]);
    expect((await callTool(gateway.mcpUrl, 'two__echo', { text: 'x' })).json?.['error']).toMatchObject({ code: -32602 });

    writeFileSync(file, stringify(configFile([{ id: 'two', url: one.url }], ['two__*'], { pageSize: 50 })));
    expect((await reload()).json).toMatchObject({ applied: ['toolSets'], upstreams: { replaced: [] } });
    const before = one.calls.length;
    expect(resultOf(await callTool(gateway.mcpUrl, 'two__echo', { text: 'now via one' }))).toMatchObject({ content: [{ text: 'now via one' }] });
    expect(one.calls.length).toBe(before + 1); // the replaced entry points at the other server
  });

  it('is audited as an admin action', async () => {
    expect(gateway.logLines.filter((l) => l.includes('"admin.config.reload"')).length).toBeGreaterThanOrEqual(4);
  });
});

describe('SIGHUP (real process)', () => {
  let proc: ServiceProcess | undefined;
  afterAll(async () => {
    await proc?.stop();
  });

  it('re-reads the file on SIGHUP; an invalid file is logged with its errors and the process keeps serving', async () => {
    const file = path.join(dir, 'sighup.yaml');
    writeFileSync(file, stringify(configFile([{ id: 'one', url: one.url }], ['one__*'])));
    proc = await startServiceProcess({
      appDir: fileURLToPath(new URL('..', import.meta.url)),
      env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', GATEWAY_CONFIG: file, GATEWAY_ADMIN_KEY: ADMIN_KEY, PATH: process.env['PATH'] ?? '' },
      timeoutMs: 30_000,
    });
    const mcpUrl = `${proc.url}/mcp`;
    expect(await listToolNames(mcpUrl)).toEqual(['one__echo']);

    writeFileSync(file, stringify(configFile([{ id: 'one', url: one.url }, { id: 'two', url: two.url }], ['one__*', 'two__*'])));
    proc.child.kill('SIGHUP');
    let names: string[] = [];
    for (let i = 0; i < 100 && !names.includes('two__echo'); i += 1) {
      await sleep(100);
      names = await listToolNames(mcpUrl);
    }
    expect(names).toEqual(['one__echo', 'two__echo']);

    writeFileSync(file, stringify({ upstreams: [{ id: 'Bad Id', transport: 'stdio' }] }));
    proc.child.kill('SIGHUP');
    let refused: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !refused; i += 1) {
      await sleep(100);
      refused = proc.logRecords().find((r) => r['message'] === 'config reload refused; running on the previous config');
    }
    expect(refused?.['problems']).toEqual(['upstreams.0.id: must be 1-40 characters of a-z, 0-9 and -, starting with a letter', 'upstreams.0.command: is required']);
    expect(proc.child.exitCode).toBeNull();
    expect(await listToolNames(mcpUrl)).toEqual(['one__echo', 'two__echo']);
  });
});
