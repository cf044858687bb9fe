import { access, constants } from 'node:fs/promises';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, type ReadinessCheck } from '@mcpgw/service-kit';
import type { Logger } from '@mcpgw/telemetry';
import type { SandboxConfig } from './config.js';

export interface SandboxDeps {
  config: SandboxConfig;
  logger: Logger;
  registry: Registry;
  isShuttingDown: () => boolean;
}

function corpusReadable(dir: string): ReadinessCheck {
  return { name: 'log-corpus', check: () => access(dir, constants.R_OK) };
}

/** Builds the reference upstream's HTTP app; ready once its log corpus can be read. */
export function createSandboxApp(deps: SandboxDeps): Express {
  const { corpusDir } = deps.config;
  return createServiceApp({
    service: 'sandbox-log-analysis',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: corpusDir ? [corpusReadable(corpusDir)] : [],
  });
}
