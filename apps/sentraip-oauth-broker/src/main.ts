import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createBrokerApp } from './app.js';
import { readBrokerConfig } from './config.js';

void runMain('sentraip-oauth-broker', async () => {
  const config = readBrokerConfig();
  await runService({
    service: 'sentraip-oauth-broker',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'brk:', logger });
      return {
        createApp: ({ isShuttingDown }) => createBrokerApp({ config, logger, registry, store, isShuttingDown }),
        hooks: [{ name: 'state-store', run: () => store.close() }],
      };
    },
  });
});
