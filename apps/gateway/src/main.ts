import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createGatewayApp } from './app.js';
import { readGatewayConfig } from './config.js';

void runMain('gateway', async () => {
  const config = readGatewayConfig();
  await runService({
    service: 'gateway',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'gw:', logger });
      return {
        createApp: ({ isShuttingDown }) =>
          createGatewayApp({ config, logger, registry, store, isShuttingDown }),
        hooks: [{ name: 'state-store', run: () => store.close() }],
      };
    },
  });
});
