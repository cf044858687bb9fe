import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import { threatVerdictSchema } from '@mcpgw/tool-schemas';
import {
  BrokerClient,
  expectNoSecrets,
  metricsText,
  sampleSum,
  simStats,
  startBroker,
  startSimulator,
  waitFor,
  type LookupAnswer,
} from './support/processes.js';

const LOOKUP_BUDGET_MS = 1500;
// Generous for a shared 2-core machine; what matters is that it is bounded by the budget.
const SLACK_MS = 1000;

describeWithRedis('SentraIP outage and recovery (simulator stopped, then restarted)', (redis) => {
  let sim: ServiceProcess;
  let broker: ServiceProcess;
  let client: BrokerClient;
  let simPort: number;
  const simLines: string[] = [];
  const all: LookupAnswer[] = [];

  const lookup = async (type: string, target: string) => {
    const answer = await client.lookup(type, target);
    all.push(answer);
    return answer;
  };

  beforeAll(async () => {
    sim = await startSimulator();
    simPort = Number(new URL(sim.url).port);
    broker = await startBroker(sim.url, {
      REDIS_URL: redis.url,
      THREAT_CACHE_TTL_MALICIOUS_S: '1',
      THREAT_CACHE_TTL_CLEAN_S: '1',
      THREAT_CACHE_REVALIDATE_S: '0',
      SENTRAIP_TIMEOUT_MS: '1000',
      SENTRAIP_BREAKER_RESET_MS: '1000',
      BROKER_LOOKUP_TIMEOUT_MS: String(LOOKUP_BUDGET_MS),
      BROKER_TOKEN_BACKOFF_MS: '500',
    });
    client = new BrokerClient(broker.url, 32);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
    await sim?.stop();
  });

  it('answers stale/degraded or unknown (never 5xx), opens the breaker, stays within the budget, and recovers without a restart', async () => {
    expect((await lookup('ip', '203.0.113.9')).body).toMatchObject({
      threat_score: 9,
      degraded: false,
    });
    expect((await lookup('domain', 'malware.example')).body).toMatchObject({
      threat_score: 9,
      degraded: false,
    });

    simLines.push(...sim.lines());
    await sim.stop();
    // Let both verdicts pass their 1 s freshness.
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const cached = await lookup('ip', '203.0.113.9');
    expect(cached.status).toBe(200);
    expect(cached.body).toMatchObject({
      threat_score: 9,
      risk_level: 'critical',
      cached: true,
      stale: true,
      degraded: true,
    });
    expect(threatVerdictSchema.validate(cached.body).error).toBeUndefined();
    expect(cached.headers['x-broker-degraded-reason']).toMatch(
      /^(unavailable|breaker_open|timeout)$/,
    );

    const uncached = await lookup('ip', '192.0.2.50');
    expect(uncached.status).toBe(200);
    expect(uncached.body).toMatchObject({
      threat_score: null,
      risk_level: 'unknown',
      cached: false,
      degraded: true,
    });
    expect(threatVerdictSchema.validate(uncached.body).error).toBeUndefined();

    // Load on the dead upstream: the breaker opens and lookups fail fast.
    await Promise.all(Array.from({ length: 40 }, (_, i) => lookup('ip', `192.0.2.${100 + i}`)));
    await waitFor(
      async () =>
        sampleSum(await metricsText(broker.url), 'circuit_breaker_state', {
          breaker: 'sentraip',
        }) === 2,
      5_000,
      50,
    );
    const fast = await lookup('domain', 'malware.example');
    expect(fast.body).toMatchObject({ stale: true, degraded: true, threat_score: 9 });
    expect(
      sampleSum(await metricsText(broker.url), 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'breaker_open',
      }),
    ).toBeGreaterThan(0);

    // The simulator comes back on the same port; the same broker process answers fresh again.
    sim = await startSimulator({}, simPort);
    await waitFor(
      async () => (await lookup('ip', '203.0.113.9')).body['degraded'] === false,
      20_000,
      250,
    );
    const fresh = await lookup('ip', '198.51.100.9');
    expect(fresh.body).toMatchObject({
      threat_score: 5,
      cached: false,
      stale: false,
      degraded: false,
    });
    expect(broker.child.exitCode).toBeNull();
    // Its old token died with the old simulator: the broker took a new one after the 401.
    expect((await simStats(sim.url)).tokens_issued).toBe(1);
    expect(
      sampleSum(await metricsText(broker.url), 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'unauthorized',
      }),
    ).toBeGreaterThan(0);
    await waitFor(
      async () =>
        sampleSum(await metricsText(broker.url), 'circuit_breaker_state', {
          breaker: 'sentraip',
        }) === 0,
      5_000,
      100,
    );

    expect(all.filter((a) => a.status >= 500)).toEqual([]);
    expect(all.filter((a) => a.status !== 200)).toEqual([]);
    expect(Math.max(...all.map((a) => a.ms))).toBeLessThan(LOOKUP_BUDGET_MS + SLACK_MS);
    expectNoSecrets([
      ...broker.lines(),
      ...simLines,
      ...sim.lines(),
      ...all.map((a) => JSON.stringify(a.body)),
    ]);
  }, 60_000);
});
