import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp } from '@mcpgw/service-kit';
import type { Logger } from '@mcpgw/telemetry';
import type { SimulatorConfig } from './config.js';

export interface SimulatorDeps {
  config: SimulatorConfig;
  logger: Logger;
  registry: Registry;
  isShuttingDown: () => boolean;
}

/** Builds the SentraIP simulator's HTTP app (dev/test stand-in; no dependencies of its own). */
export function createSimulatorApp(deps: SimulatorDeps): Express {
  return createServiceApp({
    service: 'sentraip-simulator',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
  });
}
