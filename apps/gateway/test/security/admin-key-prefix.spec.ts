/**
 * The bootstrap admin key `npm start` generates (`mcpgw_admin_…`) has the API keys' prefix; it
 * must still be taken as the admin key (README › Using the gateway), not looked up as an API key.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { http } from './support/rpc.js';

const ADMIN_KEY = `mcpgw_admin_${'Z'.repeat(43)}`;
let gateway: GatewayHarness;

beforeAll(async () => {
  gateway = await startGateway({ openAccess: false, env: { GATEWAY_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await gateway?.close();
});

it('takes an admin key with the API-key prefix as the admin key, on /mcp and on the admin API', async () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const list = await http(gateway.mcpUrl, { method: 'POST', headers: { ...auth, 'mcp-protocol-version': '2025-11-25' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
  expect(list.status, list.text).toBe(200);
  expect(list.json?.['result']).toMatchObject({ tools: expect.any(Array) });
  const created = await http(`${gateway.url}/admin/keys`, { method: 'POST', headers: auth, body: { owner: 'alice', roles: ['analyst'] } });
  expect(created.status, created.text).toBe(201);
  // A key of the same shape that is not the admin key is still an unknown API key.
  const other = await http(gateway.mcpUrl, { method: 'POST', headers: { authorization: `Bearer mcpgw_admin_${'Y'.repeat(43)}`, 'mcp-protocol-version': '2025-11-25' }, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } });
  expect(other.status).toBe(401);
  expect(other.text).toContain('invalid, revoked or expired API key');
});
