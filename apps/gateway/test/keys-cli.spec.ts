/** `npx nx run gateway:keys -- …`: the key lifecycle through the admin API of a real gateway. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeysCli } from '../src/cli/keys-cli.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

const ADMIN_KEY = 'admin-key-for-cli-tests-0123456789';
let gateway: GatewayHarness;

beforeAll(async () => {
  gateway = await startGateway({ env: { GATEWAY_ADMIN_KEY: ADMIN_KEY }, file: { toolSets: { everything: { requiredRole: 'analyst', tools: ['*'] } } } });
});
afterAll(async () => {
  await gateway?.close();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCli(argv, { gatewayUrl: gateway.url, adminKey: ADMIN_KEY }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const listTools = (key: string) =>
  fetch(gateway.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('keys CLI', () => {
  it('creates, lists, rotates and revokes a key that then works and stops working', async () => {
    const created = await cli('create', '--owner', 'alice', '--roles', 'analyst');
    expect(created.code).toBe(0);
    const { key, id } = JSON.parse(created.out) as { key: string; id: string };
    expect(key).toMatch(/^mcpgw_[a-f0-9]{16}_/);
    expect((await listTools(key)).status).toBe(200);

    const listed = await cli('list');
    expect(listed.out).toContain(id);
    expect(listed.out).not.toContain(key);

    const rotated = await cli('rotate', id);
    expect(rotated.code).toBe(0);
    const fresh = JSON.parse(rotated.out) as { key: string; id: string };
    expect((await listTools(key)).status).toBe(401);
    expect((await listTools(fresh.key)).status).toBe(200);

    expect((await cli('revoke', fresh.id)).code).toBe(0);
    expect((await listTools(fresh.key)).status).toBe(401);
  });

  it('fails clearly on unknown keys, bad usage and a wrong admin key', async () => {
    expect(await cli('revoke', 'nope')).toMatchObject({ code: 1, err: 'gateway answered 404: no such key' });
    expect((await cli('create')).code).toBe(2);
    expect((await cli('explode')).err).toContain('usage:');
    const wrong = await runKeysCli(['list'], { gatewayUrl: gateway.url, adminKey: 'wrong-key-0123456789abcdef' }, { out: () => undefined, err: () => undefined });
    expect(wrong).toBe(1);
  });
});
