import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import {
  BrokerClient,
  CLIENT_ID,
  expectNoSecrets,
  simStats,
  simTokenRequests,
  startBroker,
  startSimulator,
  waitFor,
  type LookupAnswer,
} from './support/processes.js';

const TOKEN_KEY = `oauth:token:${CLIENT_ID}`;

describeWithRedis('token refresh across two broker replicas sharing Redis', (redis) => {
  let sim: ServiceProcess;
  let brokers: ServiceProcess[] = [];
  let clients: BrokerClient[] = [];
  let store: StateStore;
  const seenTokens: string[] = [];

  const start = async (refreshAhead: boolean, expiresIn: number) => {
    sim = await startSimulator({
      SIM_TOKEN_EXPIRES_IN: String(expiresIn),
      SIM_RATE_LIMIT_PER_HOUR: '10000000',
      // A slower token endpoint widens the window in which a herd would form.
      SIM_LATENCY_MS: '50',
    });
    const env = {
      REDIS_URL: redis.url,
      BROKER_TOKEN_REFRESH_AHEAD: String(refreshAhead),
      BROKER_LOOKUP_TIMEOUT_MS: '20000',
      SENTRAIP_TIMEOUT_MS: '10000',
      SENTRAIP_MAX_CONCURRENCY: '32',
      LOG_LEVEL: 'info',
    };
    brokers = await Promise.all([startBroker(sim.url, env), startBroker(sim.url, env)]);
    clients = brokers.map((b) => new BrokerClient(b.url, 100));
  };

  const stop = async () => {
    for (const c of clients) c.close();
    await Promise.all(brokers.map((b) => b.stop()));
    await sim?.stop();
    expectNoSecrets([...brokers.flatMap((b) => b.lines()), ...sim.lines()], seenTokens);
    brokers = [];
    clients = [];
    await store.delete(TOKEN_KEY);
  };

  const sharedToken = async (): Promise<string | undefined> => {
    const raw = await store.get(TOKEN_KEY);
    if (raw === null) return undefined;
    const token = (JSON.parse(raw) as { access_token: string }).access_token;
    if (!seenTokens.includes(token)) seenTokens.push(token);
    return token;
  };

  beforeAll(() => {
    store = createStateStore({ redisUrl: redis.url, keyPrefix: 'brk:' });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('1,000 concurrent lookups over both replicas at token expiry cause exactly one token request and no failure', async () => {
    await start(false, 16);
    try {
      // Both replicas hold the start-up token (one request for the two of them).
      await Promise.all(clients.map((c, i) => c.lookup('ip', `192.0.2.${i + 1}`)));
      expect((await simStats(sim.url)).tokens_issued).toBe(1);
      const first = await sharedToken();
      // The shared copy lives expires_in − skew (8 s here); wait until it is gone everywhere.
      await waitFor(async () => (await store.get(TOKEN_KEY)) === null, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const tokensBefore = await simStats(sim.url);
      const requestsBefore = await simTokenRequests(sim.url);

      // 250 uncached targets, each looked up twice on each replica: every lookup needs a token.
      const answers: LookupAnswer[] = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => {
          const target = `10.${Math.floor(i / 4 / 250)}.${Math.floor((i / 4) % 250)}.7`;
          return clients[i % 2]!.lookup('ip', target);
        }),
      );

      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(answers.filter((a) => a.body['degraded'] !== false)).toEqual([]);
      expect(answers.every((a) => a.body['threat_score'] === 0)).toBe(true);
      const after = await simStats(sim.url);
      expect(after.tokens_issued - tokensBefore.tokens_issued).toBe(1);
      expect((await simTokenRequests(sim.url)) - requestsBefore).toBe(1);
      // Cross-replica coalescing as well: one simulator lookup per distinct target.
      expect(after.lookups - tokensBefore.lookups).toBe(250);
      const second = await sharedToken();
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
    } finally {
      await stop();
    }
  }, 60_000);

  it('renews ahead of expiry in the background: one token request per cycle for both replicas, lookups never wait', async () => {
    // expires_in 4 s → shared TTL 2 s → renewal about every 1.5 s.
    await start(true, 4);
    try {
      await Promise.all(clients.map((c, i) => c.lookup('ip', `192.0.2.${i + 10}`)));
      const before = (await simStats(sim.url)).tokens_issued;
      const startedAt = performance.now();
      const answers: LookupAnswer[] = [];
      const tokens = new Set<string>();
      for (let round = 0; performance.now() - startedAt < 7_000; round++) {
        answers.push(
          ...(await Promise.all(
            clients.map((c, i) => c.lookup('ip', `10.200.${round % 250}.${i + 1}`)),
          )),
        );
        const token = await sharedToken();
        if (token) tokens.add(token);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const issued = (await simStats(sim.url)).tokens_issued - before;
      expect(answers.filter((a) => a.status !== 200 || a.body['degraded'] !== false)).toEqual([]);
      // ~4-5 cycles in 7 s; both replicas renewing on their own would double it.
      expect(issued).toBeGreaterThanOrEqual(3);
      expect(issued).toBeLessThanOrEqual(6);
      expect(tokens.size).toBeGreaterThanOrEqual(3);
      // Renewals happen off the request path.
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2_000);
    } finally {
      await stop();
    }
  }, 60_000);
});
