import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, httpReachable, requireServiceToken } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { BrokerComponents } from './broker.js';
import type { BrokerConfig } from './config.js';
import { mountThreatRoutes } from './http/threat-routes.js';

export interface BrokerDeps {
  config: BrokerConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  /** From `createBrokerComponents` with the same config, registry and store. */
  components: BrokerComponents;
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
    bodyLimit: '64kb',
    readiness: [
      { name: 'state-store', check: () => deps.store.ping() },
      httpReachable('sentraip', deps.config.sentraip.baseUrl, { optional: true }),
    ],
    // The token is checked before the body is read (and again by the routes).
    guards: (app) => app.use('/v1', requireServiceToken(deps.config.serviceToken)),
    routes: (app) =>
      mountThreatRoutes(app, {
        service: deps.components.threats,
        serviceToken: deps.config.serviceToken,
      }),
  });
}
