import { runMain, runService } from '@mcpgw/service-kit';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createSandboxApp } from './app.js';
import { readSandboxConfig } from './config.js';

void runMain('sandbox-log-analysis', async () => {
  const config = readSandboxConfig();
  await runService({
    service: 'sandbox-log-analysis',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => ({
      createApp: ({ isShuttingDown }) => createSandboxApp({ config, logger, registry, isShuttingDown }),
    }),
  });
});
