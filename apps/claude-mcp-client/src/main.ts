import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createChatApp } from './app.js';
import { readChatConfig } from './config.js';

void runMain('claude-mcp-client', async () => {
  const config = readChatConfig();
  await runService({
    service: 'claude-mcp-client',
    basics: config,
    startTelemetry,
    build: ({ logger, registry }) => {
      const store = createStateStore({ redisUrl: config.redisUrl, keyPrefix: 'chat:', logger });
      if (!config.claude.apiKey) logger.warn('no Claude API key set: offline mode, answers are marked degraded');
      return {
        createApp: ({ isShuttingDown }) => createChatApp({ config, logger, registry, store, isShuttingDown }),
        hooks: [{ name: 'state-store', run: () => store.close() }],
      };
    },
  });
});
