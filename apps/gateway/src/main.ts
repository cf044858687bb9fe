import './v8-flags.js';
import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createGatewayListener } from './app.js';
import { readGatewayConfig } from './config.js';
import { createGatewayCore } from './gateway.js';
import { loadGatewayConfig } from './gateway-config/load.js';

void runMain('gateway', async () => {
  const config = readGatewayConfig();
  const file = await loadGatewayConfig(config.configFile);
  await runService({
    service: 'gateway',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'gw:', logger });
      const core = createGatewayCore({ config, file, logger, registry, store });
      // SIGHUP re-reads GATEWAY_CONFIG; a bad file is logged with every problem and changes nothing.
      process.on('SIGHUP', () => void core.reloadConfig().catch(() => undefined));
      return {
        createApp: async ({ isShuttingDown }) => {
          await core.start();
          return createGatewayListener({ config, file, logger, registry, store, core, isShuttingDown });
        },
        preDrainHooks: [{ name: 'subscription-streams', run: () => core.closeStreams() }],
        hooks: [
          { name: 'upstreams', run: () => core.close() },
          { name: 'state-store', run: () => store.close() },
        ],
      };
    },
  });
});
