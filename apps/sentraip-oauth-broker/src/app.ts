import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, httpReachable } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { BrokerConfig } from './config.js';

export interface BrokerDeps {
  config: BrokerConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  isShuttingDown: () => boolean;
}

/** Builds the broker's HTTP app. SentraIP is reported by `/ready` but does not gate it: the broker degrades. */
export function createBrokerApp(deps: BrokerDeps): Express {
  return createServiceApp({
    service: 'sentraip-oauth-broker',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: [
      { name: 'state-store', check: () => deps.store.ping() },
      httpReachable('sentraip', deps.config.sentraip.baseUrl, { optional: true }),
    ],
  });
}
