import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { createGatewayListener } from '../../src/app.js';
import { readGatewayConfig, type GatewayConfig } from '../../src/config.js';
import { createGatewayCore, type GatewayCore } from '../../src/gateway.js';
import { validateGatewayConfig } from '../../src/gateway-config/load.js';
import type { GatewayFileConfig } from '../../src/gateway-config/schema.js';

export interface GatewayHarness {
  url: string;
  mcpUrl: string;
  core: GatewayCore;
  registry: Registry;
  logLines: string[];
  /** The state store the gateway runs on (closed by `close()`). */
  store: StateStore;
  config: GatewayConfig;
  file: GatewayFileConfig;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** The YAML config as an object (validated like the file). */
  file?: unknown;
  /** Gateway environment variables on top of the harness defaults (backends on a dead port). */
  env?: NodeJS.ProcessEnv;
  /**
   * Merge in the open-access defaults (an anonymous `tester` role allowed every tool) under
   * `file`; default true. Security tests pass `false` and bring their own `auth`/`toolSets`.
   */
  openAccess?: boolean;
  /** The state store to run on (e.g. a Redis store, or one a test wraps); default in-process memory. */
  store?: StateStore;
}

/** The real gateway (federation core + listener) in this process on 127.0.0.1:0. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayHarness> {
  const logLines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logLines.push(...c.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ service: 'gateway', level: 'debug', stream });
  const registry = new Registry();
  const config = readGatewayConfig({
    BROKER_URL: 'http://127.0.0.1:9',
    COLLECTOR_URL: 'http://127.0.0.1:9',
    CHAT_URL: 'http://127.0.0.1:9',
    ...options.env,
  });
  // Core tests run as an anonymous caller allowed everything; security tests bring their own auth config.
  const openAccess = {
    auth: { anonymous: { enabled: true, roles: ['tester'], rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 } } },
    toolSets: { everything: { requiredRole: 'tester', tools: ['*'] } },
  };
  const file = validateGatewayConfig({ ...(options.openAccess === false ? {} : openAccess), ...((options.file as object | undefined) ?? {}) });
  const store = options.store ?? createStateStore({ keyPrefix: 'gw:' });
  const core = createGatewayCore({ config, file, logger, registry, store });
  await core.start();
  const server: RunningServer = await listen(
    createGatewayListener({ config, file, logger, registry, store, core, isShuttingDown: () => false }),
    { host: '127.0.0.1', port: 0 },
  );
  return {
    url: server.url,
    mcpUrl: `${server.url}/mcp`,
    core,
    registry,
    logLines,
    store,
    config,
    file,
    async close() {
      await server.drain(500);
      await core.close();
      await store.close();
    },
  };
}
