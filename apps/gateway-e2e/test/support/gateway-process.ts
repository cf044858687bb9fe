import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceProcess, type ServiceProcess } from '@mcpgw/testing';

/** The gateway app folder (`apps/gateway`), started from source as `nx serve` does. */
export const GATEWAY_APP_DIR = fileURLToPath(new URL('../../../gateway/', import.meta.url));

/** A real gateway process started by {@link startGatewayProcess}. */
export interface GatewayProcess {
  readonly process: ServiceProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/mcp` */
  readonly mcpUrl: string;
  /** The bootstrap admin key (`GATEWAY_ADMIN_KEY`) the process was started with. */
  readonly adminKey: string;
  /** `Authorization: Bearer <admin key>`: what the tests' clients present. */
  readonly authHeaders: Readonly<Record<string, string>>;
  /** SIGTERM (graceful shutdown), then removes the config file. */
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  /** The gateway's config file content (`GATEWAY_CONFIG`); written as JSON, which is YAML too. */
  config: Record<string, unknown>;
  /** Extra environment (e.g. REDIS_URL); nothing is inherited from the test process. */
  env?: Record<string, string>;
  /** Replicas of one deployment share their admin key; default: a fresh random one. */
  adminKey?: string;
}

/** A random bootstrap admin key (`GATEWAY_ADMIN_KEY`). */
export const newAdminKey = () => `e2e-admin-${randomBytes(24).toString('hex')}`;

/**
 * Starts `apps/gateway` as its own process on 127.0.0.1:0 with a generated config file and a
 * random bootstrap admin key, which the tests' clients present (the admin role may use every
 * tool). The built-in tools' backing services point at a closed port (their calls answer `isError`).
 */
export async function startGatewayProcess(options: StartGatewayOptions): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpgw-e2e-'));
  const configFile = join(dir, 'gateway.yaml');
  await writeFile(configFile, JSON.stringify(options.config, null, 2));
  const adminKey = options.adminKey ?? newAdminKey();
  let process: ServiceProcess;
  try {
    process = await startServiceProcess({
      appDir: GATEWAY_APP_DIR,
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        GATEWAY_CONFIG: configFile,
        GATEWAY_ADMIN_KEY: adminKey,
        BROKER_URL: 'http://127.0.0.1:9',
        COLLECTOR_URL: 'http://127.0.0.1:9',
        CHAT_URL: 'http://127.0.0.1:9',
        ...options.env,
      },
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    process,
    url: process.url,
    mcpUrl: `${process.url}/mcp`,
    adminKey,
    authHeaders: { authorization: `Bearer ${adminKey}` },
    async stop() {
      await process.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One upstream entry of the gateway config: a Streamable HTTP server at `url`. */
export const httpUpstream = (id: string, url: string) => ({
  id,
  transport: 'streamable-http',
  url,
  timeoutMs: 10_000,
});
