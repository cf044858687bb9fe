import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp } from '@mcpgw/service-kit';
import type { Logger } from '@mcpgw/telemetry';
import { mountAdminRoutes } from './admin-routes.js';
import type { SimulatorConfig } from './config.js';
import { Faults } from './faults.js';
import { TokenStore } from './oauth/token-store.js';
import { mountTokenRoute } from './oauth/token-route.js';
import { RateLimiter } from './rate-limiter.js';
import { SimStats } from './sim-stats.js';
import { ThreatData } from './threat-data.js';
import { mountThreatRoutes } from './threat-route.js';

export interface SimulatorDeps {
  config: SimulatorConfig;
  logger: Logger;
  registry: Registry;
  isShuttingDown: () => boolean;
  /** Verdict data; default: the file named by the config. */
  data?: ThreatData;
  /** Randomness of the `error_rate` fault; injectable for tests. */
  random?: () => number;
}

/**
 * Builds the SentraIP simulator's HTTP app (dev/test stand-in; no dependencies of its own):
 * the OAuth token endpoint, the threat-intelligence API and the `/_sim` control surface.
 */
export function createSimulatorApp(deps: SimulatorDeps): Express {
  const { config } = deps;
  const data = deps.data ?? ThreatData.load(config.dataFile);
  const limiter = new RateLimiter(config.faults.rate_limit_per_hour);
  const faults = new Faults(config.faults, (perHour) => limiter.reset(perHour));
  const tokens = new TokenStore();
  const stats = new SimStats(deps.registry);
  return createServiceApp({
    service: 'sentraip-simulator',
    version: config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    bodyLimit: '16kb',
    routes: (app) => {
      mountTokenRoute(app, {
        client: { id: config.clientId, secret: config.clientSecret },
        expiresInSeconds: config.tokenExpiresInSeconds,
        tokens,
        faults,
        stats,
      });
      mountThreatRoutes(app, { data, tokens, limiter, faults, stats, random: deps.random });
      mountAdminRoutes(app, { faults, stats, adminToken: config.adminToken });
    },
  });
}
