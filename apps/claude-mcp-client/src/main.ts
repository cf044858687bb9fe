import { runMain, runService } from '@mcpgw/service-kit';
import { createStateStore } from '@mcpgw/state';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { createChatApp } from './app.js';
import { createChatCore } from './chat-core.js';
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
      if (!config.gateway.apiKey) logger.warn('CHAT_GATEWAY_API_KEY is not set: the gateway will refuse every tool call');
      if (!config.serviceToken) logger.warn('CHAT_SERVICE_TOKEN is not set: /v1/context/search refuses every call');
      const core = createChatCore({ config, logger, registry, store });
      return {
        createApp: ({ isShuttingDown }) => createChatApp({ config, logger, registry, store, core, isShuttingDown }),
        hooks: [
          { name: 'chat-core', run: () => core.close() },
          { name: 'state-store', run: () => store.close() },
        ],
      };
    },
  });
});
