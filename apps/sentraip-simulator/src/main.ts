import { runMain, runService } from '@mcpgw/service-kit';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createSimulatorApp } from './app.js';
import { readSimulatorConfig } from './config.js';

void runMain('sentraip-simulator', async () => {
  const config = readSimulatorConfig();
  await runService({
    service: 'sentraip-simulator',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => ({
      createApp: ({ isShuttingDown }) => createSimulatorApp({ config, logger, registry, isShuttingDown }),
    }),
  });
});
