import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import {
  BrokerClient,
  CLIENT_ID,
  expectNoSecrets,
  metricsText,
  sampleSum,
  setSimFaults,
  simTokenRequests,
  startBroker,
  startSimulator,
  waitFor,
  type LookupAnswer,
} from './support/processes.js';

const RETRIES = 2;
const BACKOFF_MS = 3_000;
const TIMEOUT_MS = 1_000;
const BUDGET_MS = 4_000;
const SLACK_MS = 1_000;
/** The brokers' shared refresh state (prefix `brk:`): a refresh in flight, and its back-off. */
const LOCK_KEY = `oauth:refresh-lock:${CLIENT_ID}`;
const BACKOFF_KEY = `oauth:refresh-backoff:${CLIENT_ID}`;

describeWithRedis(
  'token endpoint failing (500, then hanging) with two brokers sharing Redis',
  (redis) => {
    let sim: ServiceProcess;
    let brokers: ServiceProcess[];
    let clients: BrokerClient[];
    let store: StateStore;
    const bodies: string[] = [];

    const burst = async (n: number, prefix: string): Promise<LookupAnswer[]> => {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          clients[i % 2]!.lookup('ip', `${prefix}.${Math.floor(i / 250)}.${i % 250}`),
        ),
      );
      bodies.push(...answers.map((a) => JSON.stringify(a.body)));
      return answers;
    };

    const expectDegradedWithinBudget = (answers: LookupAnswer[]) => {
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      for (const a of answers) {
        expect(a.body).toMatchObject({ risk_level: 'unknown', threat_score: null, degraded: true });
        expect(a.headers['x-broker-degraded-reason']).toMatch(/^(token_unavailable|timeout)$/);
      }
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BUDGET_MS + SLACK_MS);
    };

    const refreshFailures = () =>
      brokers
        .flatMap((b) => b.logRecords())
        .filter((r) => r['message'] === 'SentraIP token refresh failed');

    /**
     * Waits until no broker is refreshing or inside a back-off window (both shared keys are gone;
     * a broker's own back-off is set just before the shared one, with the same length), so that
     * the next lookups start exactly one refresh.
     */
    const settle = () =>
      waitFor(
        async () => (await store.get(LOCK_KEY)) === null && (await store.get(BACKOFF_KEY)) === null,
        BACKOFF_MS + 10_000,
        100,
        'no token refresh in flight and no refresh back-off',
      );

    beforeAll(async () => {
      sim = await startSimulator({
        SIM_TOKEN_ENDPOINT: 'down',
        SIM_RATE_LIMIT_PER_HOUR: '10000000',
      });
      const env = {
        REDIS_URL: redis.url,
        SENTRAIP_MAX_RETRIES: String(RETRIES),
        SENTRAIP_TIMEOUT_MS: String(TIMEOUT_MS),
        BROKER_TOKEN_BACKOFF_MS: String(BACKOFF_MS),
        BROKER_LOOKUP_TIMEOUT_MS: String(BUDGET_MS),
      };
      store = createStateStore({ redisUrl: redis.url, keyPrefix: 'brk:' });
      brokers = await Promise.all([startBroker(sim.url, env), startBroker(sim.url, env)]);
      clients = brokers.map((b) => new BrokerClient(b.url, 64));
      // Each broker asks for a token at start-up; wait for that refresh to fail, so that the
      // first `settle` waits for its back-off instead of finding the keys not yet written.
      await waitFor(
        () => refreshFailures().length > 0,
        30_000,
        100,
        'the start-up refresh to fail',
      );
    });
    afterAll(async () => {
      await store?.close();
      for (const c of clients ?? []) c.close();
      await Promise.all((brokers ?? []).map((b) => b.stop()));
      await sim?.stop();
    });

    it('500: bounded retries, a clear error, degraded answers and no herd of token requests', async () => {
      await settle();
      const before = await simTokenRequests(sim.url);
      expectDegradedWithinBudget(await burst(200, '10.1'));
      // One refresh for both replicas, retried RETRIES times, then everyone backs off.
      expect((await simTokenRequests(sim.url)) - before).toBe(RETRIES + 1);
      const during = await burst(100, '10.2');
      expectDegradedWithinBudget(during);
      // Inside the back-off nobody waits for the token endpoint: far below the budget.
      expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(BUDGET_MS / 2);
      expect((await simTokenRequests(sim.url)) - before).toBe(RETRIES + 1);

      const failures = refreshFailures();
      expect(failures.length).toBeGreaterThanOrEqual(1);
      expect(failures.at(-1)).toMatchObject({
        level: 'error',
        code: 'BRK_ERR_TOKEN_REFRESH_FAILED',
        reason: 'server_error',
        detail: `SentraIP token request failed after ${RETRIES + 1} attempt(s): SentraIP failed the token request (500)`,
      });
      const metrics = await Promise.all(brokers.map((b) => metricsText(b.url)));
      expect(
        metrics.reduce(
          (n, m) =>
            n +
            sampleSum(m, 'sentraip_requests_total', { endpoint: 'token', outcome: 'server_error' }),
          0,
        ),
      ).toBeGreaterThanOrEqual(RETRIES + 1);
      bodies.push(...metrics);
    }, 60_000);

    it('hanging: each attempt aborted at its timeout, bounded retries, answers within the budget, no herd', async () => {
      await setSimFaults(sim.url, { token_endpoint: 'hang' });
      await settle();
      const before = await simTokenRequests(sim.url);
      expectDegradedWithinBudget(await burst(200, '10.3'));
      await waitFor(
        () => refreshFailures().some((r) => r['reason'] === 'timeout'),
        10_000,
        100,
        'a token refresh to fail with reason timeout',
      );
      expect((await simTokenRequests(sim.url)) - before).toBe(RETRIES + 1);
      expectDegradedWithinBudget(await burst(100, '10.4'));
      expect((await simTokenRequests(sim.url)) - before).toBe(RETRIES + 1);
    }, 60_000);

    it('recovers on its own once the token endpoint answers again', async () => {
      await setSimFaults(sim.url, { token_endpoint: 'up' });
      for (const client of clients) {
        await waitFor(
          async () => (await client.lookup('ip', '203.0.113.9')).body['degraded'] === false,
          15_000,
          250,
          'a lookup that is not degraded',
        );
      }
      const answers = await burst(50, '10.5');
      expect(
        answers
          .filter((a) => a.status !== 200 || a.body['degraded'] !== false)
          .map((a) => [a.status, a.headers['x-broker-degraded-reason']]),
      ).toEqual([]);
      expectNoSecrets([...brokers.flatMap((b) => b.lines()), ...sim.lines(), ...bodies]);
    }, 60_000);
  },
);
