import { afterAll, beforeAll } from 'vitest';
import type { ServiceProcess } from '@mcpgw/testing';
import { BrokerClient, expectNoSecrets, startBroker, startSimulator } from './processes.js';

/** A simulator and a broker in front of it (memory store), shared by the tests of one suite. */
export interface SimulatedBroker {
  readonly sim: ServiceProcess;
  readonly broker: ServiceProcess;
  readonly client: BrokerClient;
  /** Texts the suite's tests received (answer bodies, metrics), for {@link expectNoLeaks}. */
  readonly bodies: string[];
  /** The leak check over everything `bodies` holds and both processes logged. */
  expectNoLeaks(): void;
}

/**
 * Starts the simulator (with `simEnv`) and a broker before the suite's tests and stops both after
 * them; call it at the top of a `describe`. The processes are there from `beforeAll` on.
 */
export function useSimulatedBroker(simEnv: Record<string, string> = {}): SimulatedBroker {
  let started: { sim: ServiceProcess; broker: ServiceProcess; client: BrokerClient } | undefined;
  let sim: ServiceProcess | undefined;
  let broker: ServiceProcess | undefined;
  const bodies: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator(simEnv);
    broker = await startBroker(sim.url);
    started = { sim, broker, client: new BrokerClient(broker.url) };
  });
  afterAll(async () => {
    started?.client.close();
    await broker?.stop();
    await sim?.stop();
  });

  const get = () => {
    if (!started)
      throw new Error('useSimulatedBroker: the processes start in beforeAll; use them in tests');
    return started;
  };
  return {
    get sim() {
      return get().sim;
    },
    get broker() {
      return get().broker;
    },
    get client() {
      return get().client;
    },
    bodies,
    expectNoLeaks() {
      const { sim: s, broker: b } = get();
      expectNoSecrets([...bodies, ...b.lines(), ...s.lines()]);
    },
  };
}
