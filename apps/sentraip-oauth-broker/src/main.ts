import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createBrokerApp } from './app.js';
import { createBrokerComponents } from './broker.js';
import { readBrokerConfig } from './config.js';

void runMain('sentraip-oauth-broker', async () => {
  const config = readBrokerConfig();
  await runService({
    service: 'sentraip-oauth-broker',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'brk:', logger });
      const components = createBrokerComponents({ config, logger, registry, store });
      components.start();
      return {
        createApp: ({ isShuttingDown }) =>
          createBrokerApp({ config, logger, registry, store, components, isShuttingDown }),
        hooks: [
          { name: 'sentraip-client', run: () => components.close() },
          { name: 'state-store', run: () => store.close() },
        ],
      };
    },
  });
});
