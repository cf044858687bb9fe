import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, type ReadinessCheck } from '@mcpgw/service-kit';
import type { Logger } from '@mcpgw/telemetry';
import type { SandboxCore } from './build-tools.js';
import type { SandboxConfig } from './config.js';
import { mountMcpRoutes } from './mcp/http-routes.js';

export interface SandboxDeps {
  config: SandboxConfig;
  logger: Logger;
  registry: Registry;
  isShuttingDown: () => boolean;
  core: SandboxCore;
}

function corpusIndexed(core: SandboxCore): ReadinessCheck {
  return {
    name: 'log-corpus',
    check: async () => {
      if (!core.corpus.current()) throw new Error('log corpus not indexed');
    },
  };
}

/** JSON-RPC bytes needed for the largest `privacy` text (worst case: every character escaped). */
export function maxMcpBodyBytes(config: SandboxConfig): number {
  return Math.max(1024 * 1024, config.privacyMaxTextChars * 6 + 64 * 1024);
}

/** Builds the reference upstream's HTTP app: `/mcp` plus health, readiness (corpus indexed) and metrics. */
export function createSandboxApp(deps: SandboxDeps): Express {
  return createServiceApp({
    service: 'sandbox-log-analysis',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: [corpusIndexed(deps.core)],
    rawRoutes: (app) =>
      mountMcpRoutes(app, {
        tools: deps.core.tools,
        version: deps.config.version,
        logger: deps.logger,
        maxBodyBytes: maxMcpBodyBytes(deps.config),
      }),
  });
}
