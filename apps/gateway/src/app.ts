import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createServiceApp, type ReadinessCheck } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { GatewayConfig } from './config.js';
import type { GatewayCore } from './gateway.js';
import { adminAuthentication, mountAdminRoutes } from './admin/admin-routes.js';
import { mountProtectedResourceMetadata } from './admin/protected-resource.js';
import type { GatewayFileConfig } from './gateway-config/schema.js';
import { mountRestFacade } from './rest-facade.js';
import { BusyPoll } from './support/busy-poll.js';

export interface GatewayDeps {
  config: GatewayConfig;
  file: GatewayFileConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  core: GatewayCore;
  isShuttingDown: () => boolean;
}

/** Upstreams are reported by `/ready` but do not gate it: one dead upstream only hides its tools. */
function upstreamChecks(core: GatewayCore): ReadinessCheck[] {
  return core.upstreams.all().map((upstream) => ({
    name: `upstream:${upstream.id}`,
    optional: true,
    check: async () => {
      const failure = core.catalogue.unhealthy().get(upstream.id);
      if (failure !== undefined) throw Object.assign(new Error(failure), { code: 'UPSTREAM_UNAVAILABLE' });
      if (upstream.breakerState === 'open') throw Object.assign(new Error('breaker open'), { code: 'BREAKER_OPEN' });
    },
  }));
}

/**
 * The readiness checks, kept current as upstreams come and go at runtime: the list is read on
 * every `/ready`, so it is updated in place.
 */
function liveReadiness(deps: GatewayDeps): ReadinessCheck[] {
  const store: ReadinessCheck = { name: 'state-store', check: () => deps.store.ping() };
  const checks = [store, ...upstreamChecks(deps.core)];
  deps.core.upstreams.onSetChanged(() => checks.splice(0, checks.length, store, ...upstreamChecks(deps.core)));
  return checks;
}

/** The Express side of the gateway: health, metrics, the REST facade (and later the admin API). */
export function createGatewayApp(deps: GatewayDeps): Express {
  return createServiceApp({
    service: 'gateway',
    version: deps.config.version,
    logger: deps.logger,
    registry: deps.registry,
    isShuttingDown: deps.isShuttingDown,
    readiness: liveReadiness(deps),
    // Admin callers are known before any body is read: no parsing for those without the right.
    guards: (app) => app.use('/admin', adminAuthentication(deps.core, deps.config.inboundServiceToken)),
    routes: (app) => {
      mountProtectedResourceMetadata(app, deps.file);
      mountRestFacade(app, deps.core.pipeline, deps.config.version, deps.file.allowedOrigins);
      mountAdminRoutes(app, deps.core, deps.config.inboundServiceToken);
    },
  });
}

const isMcpPath = (url: string | undefined) => url === '/mcp' || (url?.startsWith('/mcp?') ?? false);

/**
 * The gateway's request listener: `/mcp` goes straight to the lean MCP entry, everything else to
 * Express (ADR 0005 records why the MCP path skips Express).
 */
export function createGatewayListener(deps: GatewayDeps): RequestListener {
  const app = createGatewayApp(deps);
  const busyPoll = deps.config.busyPollUs > 0 ? new BusyPoll(deps.config.busyPollUs) : undefined;
  return (req: IncomingMessage, res: ServerResponse) => {
    // MCP traffic only (the REST facade is under /mcp too): probes and scrapes need no fast path.
    if (busyPoll && req.url?.startsWith('/mcp')) busyPoll.touch();
    if (isMcpPath(req.url)) {
      // A fault the entry did not handle answers this request, never the process's crash handler.
      deps.core.handleMcp(req, res).catch((err: unknown) => {
        deps.logger.error('mcp request failed', { err });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }));
      });
      return;
    }
    app(req, res);
  };
}
