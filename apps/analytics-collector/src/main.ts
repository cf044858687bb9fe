import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createCollectorApp } from './app.js';
import { createCollector } from './collector.js';
import { readCollectorConfig } from './config.js';
import { loadRulesFile } from './rules/rules-loader.js';

void runMain('analytics-collector', async () => {
  const config = readCollectorConfig();
  // A bad rules file stops the service before it listens; later reloads keep the last good one.
  const rules = await loadRulesFile(config.rulesFile);
  await runService({
    service: 'analytics-collector',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'anl:', logger });
      const collector = createCollector({ config, logger, registry, store, rules });
      collector.start();
      return {
        createApp: ({ isShuttingDown }) =>
          createCollectorApp({ config, logger, registry, store, collector, isShuttingDown }),
        hooks: [
          { name: 'collector', run: () => collector.stop() },
          { name: 'state-store', run: () => store.close() },
        ],
      };
    },
  });
});
