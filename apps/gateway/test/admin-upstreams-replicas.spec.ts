/**
 * Runtime upstream changes are shared by every replica (two gateway instances on one real Redis):
 * an upstream added through one replica's admin API is callable on the other within about a
 * second; a drain and a removal made on one hold on the other; a replica started later sees them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { describeWithRedis, echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { callTool, http, listToolNames, sleep, type Answer } from './security/support/rpc.js';

const ADMIN_KEY = 'admin-key-for-upstream-replica-tests-01';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

/** Polls `probe` every 50 ms until `done` holds or `limitMs` passed; returns the last answer and the time taken. */
async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, limitMs: number): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    const ms = performance.now() - started;
    if (done(value) || ms > limitMs) return { value, ms };
    await sleep(50);
  }
}

const succeeded = (answer: Answer) => answer.status === 200 && answer.json?.['result'] !== undefined;

describeWithRedis('runtime upstreams across replicas (real Redis)', (redis) => {
  let upstream: FakeMcpUpstream;
  let a: GatewayHarness;
  let b: GatewayHarness;
  const replica = () =>
    startGateway({
      env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
      file: { defaultRateLimit: { capacity: 100_000, refillPerSecond: 100_000 } },
      store: createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' }),
    });

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
    [a, b] = await Promise.all([replica(), replica()]);
    // Both replicas have listed once, so the change must reach a loaded catalogue.
    await Promise.all([listToolNames(a.mcpUrl), listToolNames(b.mcpUrl)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await upstream?.close();
  });

  it('an upstream added on replica A is callable on replica B within about a second', async () => {
    const added = await http(`${a.url}/admin/upstreams`, { method: 'POST', headers: admin, body: { id: 'shared', transport: 'streamable-http', url: upstream.url } });
    expect(added.status).toBe(201);
    const seen = await until(() => callTool(b.mcpUrl, 'shared__echo', { text: 'via b' }), succeeded, 5000);
    expect(succeeded(seen.value)).toBe(true);
    expect(seen.ms).toBeLessThan(2000);
    expect((await http(`${b.url}/admin/upstreams`, { headers: admin }).then((r) => r.json?.['upstreams'])) as unknown[]).toMatchObject([
      { id: 'shared', source: 'runtime', state: 'active' },
    ]);
  });

  it('an id added on one replica is refused on the other (409): one overlay, under one lock', async () => {
    const again = await http(`${b.url}/admin/upstreams`, { method: 'POST', headers: admin, body: { id: 'shared', transport: 'streamable-http', url: upstream.url } });
    expect(again.status).toBe(409);
  });

  it('a drain on B hides the tools on A; an undrain on A brings them back on B', async () => {
    expect((await http(`${b.url}/admin/upstreams/shared/drain`, { method: 'POST', headers: admin })).status).toBe(202);
    const hidden = await until(() => listToolNames(a.mcpUrl), (names) => !names.includes('shared__echo'), 5000);
    expect(hidden.value).not.toContain('shared__echo');
    expect(hidden.ms).toBeLessThan(2000);
    const state = await until(() => http(`${a.url}/admin/upstreams`, { headers: admin }), (r) => JSON.stringify(r.json).includes('"state":"drained"'), 5000);
    expect(state.value.json?.['upstreams']).toMatchObject([{ id: 'shared', state: 'drained' }]);

    expect((await http(`${a.url}/admin/upstreams/shared/undrain`, { method: 'POST', headers: admin })).status).toBe(200);
    const back = await until(() => callTool(b.mcpUrl, 'shared__echo', { text: 'again' }), succeeded, 5000);
    expect(succeeded(back.value)).toBe(true);
  });

  it('a removal on B reaches A, and a replica started afterwards starts from the shared overlay', async () => {
    const late = await replica();
    try {
      expect(await listToolNames(late.mcpUrl)).toContain('shared__echo');
      expect((await http(`${b.url}/admin/upstreams/shared`, { method: 'DELETE', headers: admin })).status).toBe(204);
      for (const gateway of [a, late]) {
        const gone = await until(() => callTool(gateway.mcpUrl, 'shared__echo', { text: 'x' }), (r) => !succeeded(r), 5000);
        expect(gone.value.json?.['error']).toEqual({ code: -32602, message: 'Unknown tool: shared__echo' });
      }
    } finally {
      await late.close();
    }
  });
});
