import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, requireServiceToken } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { Collector } from './collector.js';
import type { CollectorConfig } from './config.js';
import { mountCollectorRoutes } from './http/routes.js';

export interface CollectorDeps {
  config: CollectorConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  collector: Collector;
  isShuttingDown: () => boolean;
}

/** Builds the collector's HTTP app; its store is the one hard dependency. */
export function createCollectorApp(deps: CollectorDeps): Express {
  return createServiceApp({
    service: 'analytics-collector',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    bodyLimit: deps.config.ingest.maxBatchBytes,
    readiness: [{ name: 'state-store', check: () => deps.store.ping() }],
    // The token is checked before the body is read (and again by the routes).
    guards: (app) => app.use('/v1', requireServiceToken(deps.config.serviceToken)),
    routes: (app) => mountCollectorRoutes(app, deps.collector, deps.config.serviceToken),
  });
}
