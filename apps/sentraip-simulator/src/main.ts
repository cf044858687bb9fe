import { runMain, runService } from '@mcpgw/service-kit';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createSimulatorApp } from './app.js';
import { readSimulatorConfig } from './config.js';
import { ThreatData } from './threat-data.js';

void runMain('sentraip-simulator', async () => {
  const config = readSimulatorConfig();
  // A bad data file stops the simulator before it listens, like a bad variable.
  const data = ThreatData.load(config.dataFile);
  await runService({
    service: 'sentraip-simulator',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      logger.info('simulator data loaded', { data_file: config.dataFile, faults: config.faults });
      return {
        createApp: ({ isShuttingDown }) =>
          createSimulatorApp({ config, logger, registry, isShuttingDown, data }),
      };
    },
  });
});
