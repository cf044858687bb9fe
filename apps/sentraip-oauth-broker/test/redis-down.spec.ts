import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import { BrokerClient, expectNoSecrets, startBroker, startSimulator } from './support/processes.js';

describeWithRedis(
  'Redis unreachable: lookups still answered from SentraIP',
  (redis) => {
    let sim: ServiceProcess;
    let broker: ServiceProcess;
    let client: BrokerClient;

    beforeAll(async () => {
      sim = await startSimulator();
      broker = await startBroker(sim.url, {
        REDIS_URL: redis.url,
        BROKER_LOOKUP_TIMEOUT_MS: '8000',
        LOG_LEVEL: 'info',
      });
      client = new BrokerClient(broker.url);
    });
    afterAll(async () => {
      client?.close();
      await broker?.stop();
      await sim?.stop();
      await redis.server.restart();
    });

    it('answers fresh verdicts without the store, and uses it again once it is back', async () => {
      expect((await client.lookup('ip', '203.0.113.9')).body).toMatchObject({
        threat_score: 9,
        degraded: false,
      });
      await redis.server.kill('SIGKILL');
      const without = await Promise.all(
        ['203.0.113.20', '203.0.113.20', '198.51.100.20'].map((t) => client.lookup('ip', t)),
      );
      expect(without.map((a) => [a.status, a.body['degraded'], a.body['cached']])).toEqual([
        [200, false, false],
        [200, false, false],
        [200, false, false],
      ]);
      await expect
        .poll(() =>
          broker
            .logRecords()
            .some((r) => r['message'] === 'verdict cache unavailable, answering without it'),
        )
        .toBe(true);
      await redis.server.restart();
      await expect
        .poll(async () => (await client.lookup('ip', '198.51.100.21')).body['degraded'], {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(false);
      await expect
        .poll(async () => (await client.lookup('ip', '198.51.100.21')).body['cached'], {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(true);
      expectNoSecrets([...broker.lines(), ...sim.lines()]);
    }, 60_000);
  },
  { requireBinary: true },
);
