import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createCollectorApp } from './app.js';
import { readCollectorConfig } from './config.js';

void runMain('analytics-collector', async () => {
  const config = readCollectorConfig();
  await runService({
    service: 'analytics-collector',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'anl:', logger });
      return {
        createApp: ({ isShuttingDown }) =>
          createCollectorApp({ config, logger, registry, store, isShuttingDown }),
        hooks: [{ name: 'state-store', run: () => store.close() }],
      };
    },
  });
});
