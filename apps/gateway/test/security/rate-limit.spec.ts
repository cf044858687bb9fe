/**
 * Attack suite — distributed rate limits: two gateway instances sharing one real Redis; a burst of
 * 200 concurrent calls against a bucket of 50 that never refills admits exactly 50. Refusals are
 * 429 with Retry-After and RateLimit headers; anonymous callers get the strict bucket; per-tool
 * buckets narrow further.
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
import { callTool, resultOf, type Answer } from './support/rpc.js';
import { expectUntouched, mark } from './support/upstream-guard.js';

describeWithRedis('rate limits across replicas (real Redis)', (redis) => {
  let upstream: FakeMcpUpstream;
  let a: GatewayHarness;
  let b: GatewayHarness;
  let burstKey: string;
  let toolLimitedKey: string;

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
    const file = {
      auth: {
        anonymous: {
          enabled: true,
          roles: ['echo-user'],
          rateLimit: { capacity: 3, refillPerSecond: 0 },
        },
      },
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      clients: [
        { id: 'burst', rateLimit: { capacity: 50, refillPerSecond: 0 } },
        {
          id: 'tool-limited',
          rateLimit: { capacity: 100, refillPerSecond: 0 },
          toolRateLimits: { up__echo: { capacity: 2, refillPerSecond: 0 } },
        },
      ],
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    };
    const replica = () =>
      startGateway({
        openAccess: false,
        file,
        store: createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' }),
      });
    [a, b] = await Promise.all([replica(), replica()]);
    burstKey = (
      await a.core.apiKeys.create({ owner: 'burster', roles: ['echo-user'], clientId: 'burst' })
    ).key;
    toolLimitedKey = (
      await a.core.apiKeys.create({
        owner: 'tooler',
        roles: ['echo-user'],
        clientId: 'tool-limited',
      })
    ).key;
    await Promise.all([a.core.catalogue.ensureLoaded(), b.core.catalogue.ensureLoaded()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await upstream?.close();
  });

  function expectRateLimited(answer: Answer, limit: number): void {
    expect(answer.status, answer.text).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.headers.get('ratelimit-limit')).toBe(String(limit));
    expect(answer.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(answer.json?.['error']).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^rate limit exceeded/),
    });
  }

  it('200 concurrent calls through two replicas against a bucket of 50 (no refill) admit exactly 50', async () => {
    const before = upstream.calls.length;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        callTool(
          (i % 2 ? a : b).mcpUrl,
          'up__echo',
          { text: `burst-${i}` },
          { headers: { 'x-api-key': burstKey }, id: i },
        ),
      ),
    );
    const admitted = answers.filter((x) => x.status === 200);
    const refused = answers.filter((x) => x.status === 429);
    expect(admitted).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(upstream.calls.length - before).toBe(50);
    // Each admitted call took its own token: the remaining counts are exactly 49…0.
    const remaining = admitted
      .map((x) => Number(x.headers.get('ratelimit-remaining')))
      .sort((p, q) => p - q);
    expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const answer of admitted) expect(answer.headers.get('ratelimit-limit')).toBe('50');
    for (const answer of refused) expectRateLimited(answer, 50);
    // Both replicas admitted some: the bucket is shared, not per process.
    const admittedBy = new Set(
      answers.map((x, i) => (x.status === 200 ? i % 2 : -1)).filter((r) => r >= 0),
    );
    expect(admittedBy.size).toBe(2);
  });

  it('the exhausted bucket stays exhausted on both replicas, and a refusal never reaches the upstream', async () => {
    const before = mark(upstream);
    for (const g of [a, b])
      expectRateLimited(
        await callTool(
          g.mcpUrl,
          'up__echo',
          { text: 'more' },
          { headers: { 'x-api-key': burstKey } },
        ),
        50,
      );
    expectUntouched(before);
  });

  it('an anonymous caller gets the strict anonymous bucket, keyed by its address (X-Forwarded-For cannot reset it)', async () => {
    const before = upstream.calls.length;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const answer = await callTool(
        a.mcpUrl,
        'up__echo',
        { text: `anon-${i}` },
        { headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } },
      );
      statuses.push(answer.status);
      if (answer.status === 429) expectRateLimited(answer, 3);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(upstream.calls.length - before).toBe(3);
  });

  it('a per-tool bucket narrows a client further', async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(
        await callTool(
          b.mcpUrl,
          'up__echo',
          { text: `t${i}` },
          { headers: { 'x-api-key': toolLimitedKey } },
        ),
      );
    resultOf(answers[0] as Answer);
    resultOf(answers[1] as Answer);
    expectRateLimited(answers[2] as Answer, 2);
  });
});
