import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, httpReachable } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { authenticateCaller } from './auth/caller-auth.js';
import type { ChatCore } from './chat-core.js';
import type { ChatConfig } from './config.js';
import { mountChatRoutes } from './http/chat-routes.js';
import { mountContextRoutes } from './http/context-routes.js';

export interface ChatDeps {
  config: ChatConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  core: ChatCore;
  isShuttingDown: () => boolean;
}

/**
 * The chat client's HTTP app: `/chat`, `/chat/stream` and `/v1/context/search`, plus health,
 * readiness and metrics. The gateway is reported by `/ready` but does not gate it: without it
 * answers still come (with fewer tools, or offline).
 */
export function createChatApp(deps: ChatDeps): Express {
  const { config, core } = deps;
  return createServiceApp({
    service: 'claude-mcp-client',
    version: config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    // A message of the maximum length, JSON-escaped, fits comfortably.
    bodyLimit: Math.max(64 * 1024, config.limits.maxMessageChars * 8),
    readiness: [
      { name: 'state-store', check: () => deps.store.ping() },
      httpReachable('gateway', `${config.gateway.url}/health`, { optional: true }),
    ],
    routes: (app) => {
      const authenticate = authenticateCaller({ serviceToken: config.serviceToken, verifier: core.verifier });
      mountChatRoutes(app, { chat: core.chat, authenticate, maxMessageChars: config.limits.maxMessageChars });
      mountContextRoutes(app, { serviceToken: config.serviceToken, grants: core.grants, conversations: core.conversations, metrics: core.metrics });
    },
  });
}
