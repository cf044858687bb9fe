import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { listen, type RunningServer } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { createGatewayListener } from '../../src/app.js';
import { readGatewayConfig } from '../../src/config.js';
import { createGatewayCore, type GatewayCore } from '../../src/gateway.js';
import { validateGatewayConfig } from '../../src/gateway-config/load.js';

export interface GatewayHarness {
  url: string;
  mcpUrl: string;
  core: GatewayCore;
  registry: Registry;
  logLines: string[];
  close(): Promise<void>;
}

/** The real gateway (federation core + listener) in this process on 127.0.0.1:0. */
export async function startGateway(options: { file?: unknown; env?: NodeJS.ProcessEnv } = {}): Promise<GatewayHarness> {
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
  const file = validateGatewayConfig({ ...openAccess, ...((options.file as object | undefined) ?? {}) });
  const store = createStateStore({ keyPrefix: 'gw:' });
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
    async close() {
      await server.drain(500);
      await core.close();
      await store.close();
    },
  };
}
