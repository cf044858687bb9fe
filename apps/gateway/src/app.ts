import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { GatewayConfig } from './config.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  isShuttingDown: () => boolean;
}

/** Builds the gateway's HTTP app from its dependencies; `main.ts` only wires and listens. */
export function createGatewayApp(deps: GatewayDeps): Express {
  return createServiceApp({
    service: 'gateway',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: [{ name: 'state-store', check: () => deps.store.ping() }],
  });
}
