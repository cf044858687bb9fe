import { fileURLToPath } from 'node:url';
import { startServiceProcess, type ServiceProcess } from '@mcpgw/testing';

const SIMULATOR_DIR = fileURLToPath(new URL('../../../../sentraip-simulator', import.meta.url));
const BROKER_DIR = fileURLToPath(new URL('../../../../sentraip-oauth-broker', import.meta.url));
const CLIENT_ID = 'gateway-security-tests';
const CLIENT_SECRET = 'Xk3p9-gateway-security-secret-77';
/** The token the gateway presents to the broker (`BROKER_SERVICE_TOKEN` on both sides). */
export const BROKER_SERVICE_TOKEN = 'svc-broker-token-for-gateway-security-tests';

/** The real SentraIP simulator and OAuth broker processes, wired together on loopback. */
export interface SentraIp {
  readonly simulator: ServiceProcess;
  readonly broker: ServiceProcess;
  /** Changes the simulator's fault knobs (`POST /_sim/faults`). */
  faults(patch: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentraIp(): Promise<SentraIp> {
  const simulator = await startServiceProcess({
    appDir: SIMULATOR_DIR,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SENTRAIP_CLIENT_ID: CLIENT_ID,
      SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
    },
  });
  let broker: ServiceProcess;
  try {
    broker = await startServiceProcess({
      appDir: BROKER_DIR,
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        SENTRAIP_BASE_URL: simulator.url,
        SENTRAIP_CLIENT_ID: CLIENT_ID,
        SENTRAIP_CLIENT_SECRET: CLIENT_SECRET,
        BROKER_SERVICE_TOKEN,
      },
    });
  } catch (err) {
    await simulator.stop();
    throw err;
  }
  return {
    simulator,
    broker,
    async faults(patch) {
      const res = await fetch(`${simulator.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      });
      if (res.status !== 200)
        throw new Error(`simulator refused the faults: ${res.status} ${await res.text()}`);
    },
    async stop() {
      await broker.stop();
      await simulator.stop();
    },
  };
}
