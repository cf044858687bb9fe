import { runMain, runService } from '@mcpgw/service-kit';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createSandboxApp } from './app.js';
import { buildSandboxCore } from './build-tools.js';
import { readSandboxConfig } from './config.js';
import { runStdio } from './stdio.js';

void runMain('sandbox-log-analysis', async () => {
  const config = readSandboxConfig();
  if (config.transport === 'stdio') {
    await runStdio({ config, startTelemetry });
    return;
  }
  await runService({
    service: 'sandbox-log-analysis',
    basics: config,
    startTelemetry,
    build: async ({ logger, registry }) => {
      const core = await buildSandboxCore({ config, logger, registry });
      return {
        createApp: ({ isShuttingDown }) =>
          createSandboxApp({ config, logger, registry, isShuttingDown, core }),
      };
    },
  });
});
