/**
 * Automated incident response across real processes: a scripted attack of invalid API keys on
 * the gateway is audited, shipped to the collector, the collector's rule fires and blocks the
 * address through the gateway's admin API, and the gateway refuses that address from then on.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, startServiceProcess, type ServiceProcess } from '@mcpgw/testing';

const apps = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const COLLECTOR_TOKEN = 'collector-token-0123456789abcdef';
const GATEWAY_TOKEN = 'gateway-token-0123456789abcdef';
const ADMIN_KEY = 'admin-key-attack-test-0123456789';
const ATTACKER = '203.0.113.66';

let gateway: ServiceProcess;
let collector: ServiceProcess;

beforeAll(async () => {
  const [gatewayPort, collectorPort] = [await getFreePort(), await getFreePort()];
  const base = { HOST: '127.0.0.1', LOG_LEVEL: 'info', PATH: process.env['PATH'] ?? '' };
  [gateway, collector] = await Promise.all([
    startServiceProcess({
      appDir: `${apps}/gateway`,
      env: {
        ...base,
        PORT: String(gatewayPort),
        GATEWAY_CONFIG: fixture('gateway-attack.yaml'),
        GATEWAY_ADMIN_KEY: ADMIN_KEY,
        GATEWAY_SERVICE_TOKEN: GATEWAY_TOKEN,
        COLLECTOR_URL: `http://127.0.0.1:${collectorPort}`,
        COLLECTOR_SERVICE_TOKEN: COLLECTOR_TOKEN,
        BROKER_URL: 'http://127.0.0.1:9',
      },
    }),
    startServiceProcess({
      appDir: `${apps}/analytics-collector`,
      env: {
        ...base,
        PORT: String(collectorPort),
        COLLECTOR_CONFIG: fixture('collector-rules.yaml'),
        COLLECTOR_SERVICE_TOKEN: COLLECTOR_TOKEN,
        GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
        GATEWAY_SERVICE_TOKEN: GATEWAY_TOKEN,
      },
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), collector?.stop()]);
});

const listTools = (key: string, ip: string) =>
  fetch(`${gateway.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': ip },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('attack → audit → rule → block', () => {
  it('blocks the attacking address at the gateway, and only that address', async () => {
    for (let i = 0; i < 8; i += 1) {
      const res = await listTools(`mcpgw_${'0'.repeat(16)}_${'x'.repeat(42)}${i}`, ATTACKER);
      expect(res.status).toBe(401);
    }
    // The relay ships the audit events, the rule fires, the collector calls the admin API.
    await expect
      .poll(async () => (await listTools(ADMIN_KEY, ATTACKER)).status, { timeout: 20_000, interval: 250 })
      .toBe(403);
    expect((await listTools(ADMIN_KEY, '198.51.100.7')).status).toBe(200);

    const incidents = await fetch(`${collector.url}/v1/incidents`, { headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` } });
    const body = JSON.stringify(await incidents.json());
    expect(body).toContain('invalid-api-keys');
    expect(body).toContain(ATTACKER);

    const blocklist = await fetch(`${gateway.url}/admin/blocklist`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(JSON.stringify(await blocklist.json())).toContain(ATTACKER);
  }, 60_000);
});
