import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { createHttpMetricsMiddleware, type Logger } from '@mcpgw/telemetry';
import { recordBodySize } from './body-size.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { mountHealthRoutes, type ReadinessCheck } from './health.js';
import { requestContextMiddleware } from './request-context.js';

export interface ServiceAppOptions {
  service: string;
  version: string;
  logger: Logger;
  registry: Registry;
  readiness?: readonly ReadinessCheck[];
  /** Per-check time limit for `/ready` (default 2000 ms). */
  readinessTimeoutMs?: number;
  /** Largest accepted JSON body (bytes or a string such as `'1mb'`). */
  bodyLimit?: number | string;
  /** Express `trust proxy` setting; off by default so X-Forwarded-For is ignored. */
  trustProxy?: boolean | number | string | string[];
  isShuttingDown: () => boolean;
  /** Routes that must see the raw body stream (mounted before JSON parsing). */
  rawRoutes?: (app: Express) => void;
  /**
   * Checks that run before the body is read (a service token): a caller without the right to be
   * heard gets its 401 before the service parses up to `bodyLimit` bytes for it.
   */
  guards?: (app: Express) => void;
  /** The service's own routes (mounted after JSON parsing, before the 404 handler). */
  routes?: (app: Express) => void;
}

/**
 * Builds an Express 5 app with the phases every service shares, in this order:
 * security headers → request context (id, span, logger) → HTTP metrics → raw routes → guards →
 * JSON body (size-limited) → health/ready/metrics → service routes → 404 → error envelope.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.set('etag', false);
  app.use(helmet());
  app.use(requestContextMiddleware({ logger: options.logger }));
  app.use(createHttpMetricsMiddleware(options.registry, { ignorePaths: ['/metrics'] }));
  options.rawRoutes?.(app);
  options.guards?.(app);
  app.use(express.json({ limit: options.bodyLimit ?? '1mb', strict: true, verify: recordBodySize }));
  mountHealthRoutes(app, {
    service: options.service,
    version: options.version,
    registry: options.registry,
    readiness: options.readiness ?? [],
    readinessTimeoutMs: options.readinessTimeoutMs,
    isShuttingDown: options.isShuttingDown,
  });
  options.routes?.(app);
  app.use(notFoundHandler());
  app.use(errorHandler(options.logger));
  return app;
}
