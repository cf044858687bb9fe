/**
 * Attack suite — decisions taken on one replica hold on every replica (two gateway instances
 * sharing one real Redis): a revoked API key stops working everywhere within a few seconds (well
 * inside the per-process key cache TTL, so through the revocation message, not expiry), and a
 * blocklist entry added through one replica's admin API is enforced by the other within a second.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import {
  describeWithRedis,
  echoTool,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
} from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { callTool, http, resultOf, sleep, type Answer } from './support/rpc.js';
import { expectUnauthorized, expectUntouched, mark } from './support/upstream-guard.js';

const ADMIN_KEY = 'admin-key-for-security-tests-0002';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

/** Polls `probe` every 25 ms until `done` holds; returns the answer and how long it took. */
async function until(
  probe: () => Promise<Answer>,
  done: (a: Answer) => boolean,
  limitMs: number,
): Promise<{ answer: Answer; ms: number }> {
  const started = performance.now();
  for (;;) {
    const answer = await probe();
    const ms = performance.now() - started;
    if (done(answer) || ms > limitMs) return { answer, ms };
    await sleep(25);
  }
}

describeWithRedis('propagation across replicas (real Redis)', (redis) => {
  let upstream: FakeMcpUpstream;
  let a: GatewayHarness;
  let b: GatewayHarness;

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
    const file = {
      auth: {
        anonymous: {
          enabled: true,
          roles: ['echo-user'],
          rateLimit: { capacity: 100_000, refillPerSecond: 100_000 },
        },
      },
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      defaultRateLimit: { capacity: 100_000, refillPerSecond: 100_000 },
      ipGate: { trustedProxies: ['127.0.0.1/32'], reputation: { enabled: false } },
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    };
    const replica = () =>
      startGateway({
        openAccess: false,
        file,
        env: { GATEWAY_ADMIN_KEY: ADMIN_KEY },
        store: createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' }),
      });
    [a, b] = await Promise.all([replica(), replica()]);
    await Promise.all([a.core.catalogue.ensureLoaded(), b.core.catalogue.ensureLoaded()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await upstream?.close();
  });

  it('a key revoked on replica A is refused by replica B within a few seconds, though B had it cached', async () => {
    const created = await http(`${a.url}/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: { owner: 'replicated', roles: ['echo-user'] },
    });
    const key = String(created.json?.['key']);
    const useOnB = () =>
      callTool(b.mcpUrl, 'up__echo', { text: 'still?' }, { headers: { 'x-api-key': key } });
    resultOf(await useOnB()); // B verifies through Redis and caches the key (5 s)
    expect(
      (
        await http(`${a.url}/admin/keys/${String(created.json?.['id'])}`, {
          method: 'DELETE',
          headers: admin,
        })
      ).status,
    ).toBe(204);
    const { answer, ms } = await until(useOnB, (x) => x.status !== 200, 4000);
    await expectUnauthorized(answer, b.url);
    expect(ms).toBeLessThan(3000); // below the cache TTL: the revocation message did it
    const before = mark(upstream);
    await expectUnauthorized(await useOnB(), b.url);
    expectUntouched(before);
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
  const block = (ip: string, ttlSeconds = 60) =>
    http(`${a.url}/admin/blocklist`, {
      method: 'POST',
      headers: admin,
      body: { ip, ttl_seconds: ttlSeconds, reason: 'attack suite' },
    });

  it('a blocklist entry added on replica A is enforced by replica B within a second', async () => {
    resultOf(await callTool(b.mcpUrl, 'up__echo', { text: 'before' }, from('192.0.2.77')));
    const added = await block('192.0.2.77');
    expect(added.status).toBe(201);
    const { answer, ms } = await until(
      () => callTool(b.mcpUrl, 'up__echo', { text: 'after' }, from('192.0.2.77')),
      (x) => x.status === 403,
      2000,
    );
    expect(answer.status).toBe(403);
    expect(ms).toBeLessThan(1000);
    expect(answer.json?.['error']).toEqual({ code: -32000, message: 'access denied' });
    const before = mark(upstream);
    for (const g of [a, b]) {
      expect((await callTool(g.mcpUrl, 'up__echo', { text: 'x' }, from('192.0.2.77'))).status).toBe(
        403,
      );
      expect(
        (await callTool(g.mcpUrl, 'up__echo', { text: 'x' }, from('::ffff:192.0.2.77'))).status,
      ).toBe(403);
    }
    expectUntouched(before);
    // Another address is unaffected.
    resultOf(await callTool(b.mcpUrl, 'up__echo', { text: 'neighbour' }, from('192.0.2.78')));
  });

  it('removal on A lifts the block on B within a second; an entry ends with its TTL', async () => {
    expect(
      (await http(`${a.url}/admin/blocklist/192.0.2.77`, { method: 'DELETE', headers: admin }))
        .status,
    ).toBe(204);
    const lifted = await until(
      () => callTool(b.mcpUrl, 'up__echo', { text: 'again' }, from('192.0.2.77')),
      (x) => x.status === 200,
      2000,
    );
    expect(lifted.answer.status).toBe(200);
    expect(lifted.ms).toBeLessThan(1000);

    expect((await block('192.0.2.88', 1)).status).toBe(201);
    await until(
      () => callTool(b.mcpUrl, 'up__echo', { text: 'x' }, from('192.0.2.88')),
      (x) => x.status === 403,
      1000,
    );
    await sleep(1100);
    resultOf(await callTool(b.mcpUrl, 'up__echo', { text: 'expired' }, from('192.0.2.88')));
  });

  it('an IPv6 entry matches every spelling of the address', async () => {
    expect((await block('2001:0db8:0000:0000::0007')).status).toBe(201);
    const { answer } = await until(
      () => callTool(b.mcpUrl, 'up__echo', { text: 'x' }, from('2001:db8::7')),
      (x) => x.status === 403,
      2000,
    );
    expect(answer.status).toBe(403);
    expect(
      (await callTool(a.mcpUrl, 'up__echo', { text: 'x' }, from('2001:DB8:0:0:0:0:0:7'))).status,
    ).toBe(403);
  });
});
