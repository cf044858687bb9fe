import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, httpReachable } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { ChatConfig } from './config.js';

export interface ChatDeps {
  config: ChatConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  isShuttingDown: () => boolean;
}

/** Builds the chat client's HTTP app; the gateway is reported by `/ready` but answers degrade without it. */
export function createChatApp(deps: ChatDeps): Express {
  return createServiceApp({
    service: 'claude-mcp-client',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: [
      { name: 'state-store', check: () => deps.store.ping() },
      httpReachable('gateway', `${deps.config.gateway.url}/health`, { optional: true }),
    ],
  });
}
