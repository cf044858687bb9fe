import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import {
  BrokerClient,
  expectNoSecrets,
  simStats,
  startBroker,
  startSimulator,
  type LookupAnswer,
} from './support/processes.js';

const COMMON = {
  SIM_RATE_LIMIT_PER_HOUR: '10000000',
  // The lookup takes a while, so all 500 callers arrive while it is in flight.
  SIM_LATENCY_MS: '300',
};
const BROKER = {
  BROKER_LOOKUP_TIMEOUT_MS: '20000',
  SENTRAIP_TIMEOUT_MS: '10000',
  LOG_LEVEL: 'info',
};

async function burst(clients: BrokerClient[], target: string): Promise<LookupAnswer[]> {
  return Promise.all(
    Array.from({ length: 500 }, (_, i) => clients[i % clients.length]!.lookup('ip', target)),
  );
}

function expectAllMalicious(answers: LookupAnswer[]): void {
  expect(
    answers.filter(
      (a) => a.status !== 200 || a.body['threat_score'] !== 9 || a.body['degraded'] !== false,
    ),
  ).toEqual([]);
}

describe('request coalescing in one broker (memory store)', () => {
  let sim: ServiceProcess;
  let broker: ServiceProcess;
  let client: BrokerClient;

  beforeAll(async () => {
    sim = await startSimulator(COMMON);
    broker = await startBroker(sim.url, BROKER);
    client = new BrokerClient(broker.url, 100);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
    await sim?.stop();
  });

  it('500 concurrent lookups of one uncached IP cause one simulator lookup', async () => {
    await client.lookup('ip', '192.0.2.1');
    const before = await simStats(sim.url);
    expectAllMalicious(await burst([client], '203.0.113.123'));
    expect((await simStats(sim.url)).lookups - before.lookups).toBe(1);
    expectNoSecrets([...broker.lines(), ...sim.lines()]);
  }, 60_000);
});

describeWithRedis('request coalescing across two brokers sharing Redis', (redis) => {
  let sim: ServiceProcess;
  let brokers: ServiceProcess[];
  let clients: BrokerClient[];

  beforeAll(async () => {
    sim = await startSimulator(COMMON);
    brokers = await Promise.all(
      [0, 1].map(() => startBroker(sim.url, { ...BROKER, REDIS_URL: redis.url })),
    );
    clients = brokers.map((b) => new BrokerClient(b.url, 100));
  });
  afterAll(async () => {
    for (const c of clients ?? []) c.close();
    await Promise.all((brokers ?? []).map((b) => b.stop()));
    await sim?.stop();
  });

  it('500 concurrent lookups of one uncached IP over both replicas cause one simulator lookup', async () => {
    await Promise.all(clients.map((c, i) => c.lookup('ip', `192.0.2.${i + 1}`)));
    const before = await simStats(sim.url);
    expectAllMalicious(await burst(clients, '203.0.113.124'));
    expect((await simStats(sim.url)).lookups - before.lookups).toBe(1);
    // And the verdict is now in the shared cache for both.
    const again = await Promise.all(clients.map((c) => c.lookup('ip', '203.0.113.124')));
    expect(again.map((a) => a.body['cached'])).toEqual([true, true]);
    expectNoSecrets([...brokers.flatMap((b) => b.lines()), ...sim.lines()]);
  }, 60_000);
});
