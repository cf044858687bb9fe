import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Registry } from 'prom-client';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { parseProvisionedKeys, provisionKeys } from './admin/provisioned-keys.js';
import { createAuditMetrics } from './audit/audit-metrics.js';
import { AuditRecorder } from './audit/audit-recorder.js';
import { AuditRelay } from './audit/audit-relay.js';
import { BackendClient } from './builtins/backend-client.js';
import { builtinToolDefinitions, createBuiltinHandlers } from './builtins/builtin-tools.js';
import { Catalogue, type CatalogueTool } from './catalogue/catalogue.js';
import type { GatewayConfig } from './config.js';
import { GatewayConfigError } from './gateway-config/load.js';
import type { GatewayFileConfig } from './gateway-config/schema.js';
import { McpDispatcher } from './mcp/dispatcher.js';
import { createMcpEntry } from './mcp/http-entry.js';
import { ListChangedHub } from './mcp/list-changed-hub.js';
import { createMcpMetrics } from './mcp/mcp-metrics.js';
import { GatewayPipeline } from './pipeline/gateway-pipeline.js';
import { ToolPins } from './pinning/tool-pins.js';
import { ApiKeyStore } from './security/api-keys.js';
import { Authenticator } from './security/authenticator.js';
import { AddressList } from './security/address-list.js';
import { Authorizer } from './security/authorizer.js';
import { DynamicBlocklist } from './security/blocklist.js';
import { IpGate } from './security/ip-gate.js';
import { RateLimiter } from './security/rate-limiter.js';
import { Sanitizer } from './security/sanitizer.js';
import { UpstreamRegistry } from './upstreams/upstream-registry.js';
import { UpstreamManager } from './upstreams/upstream-manager.js';
import { UpstreamOverlay } from './upstreams/upstream-overlay.js';
import { ConfigReloader, type ReloadOutcome } from './gateway-config/config-reloader.js';
import { ServerAnswerRouter } from './mcp/server-answer-router.js';
import { PendingServerRequests } from './mcp/server-requests.js';

export interface GatewayCore {
  readonly catalogue: Catalogue;
  readonly dispatcher: McpDispatcher;
  readonly pipeline: GatewayPipeline;
  readonly upstreams: UpstreamRegistry;
  readonly apiKeys: ApiKeyStore;
  readonly blocklist: DynamicBlocklist;
  readonly audit: AuditRecorder;
  readonly pins: ToolPins;
  /** Runtime upstream changes (admin API), shared by every replica through the state store. */
  readonly upstreamAdmin: UpstreamManager;
  /** Re-reads GATEWAY_CONFIG and applies what can change at runtime; rejects with GatewayConfigError. */
  reloadConfig(): Promise<ReloadOutcome>;
  /** The config file in effect (the start-up file with the sections of the last good reload). */
  currentFile(): GatewayFileConfig;
  readonly handleMcp: ReturnType<typeof createMcpEntry>;
  /** Subscribes to invalidations and starts the audit relay. */
  start(): Promise<void>;
  /** Ends the open subscriptions/listen streams (at the start of shutdown). */
  closeStreams(): Promise<void>;
  close(): Promise<void>;
}

const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;
/** How long shutdown waits for the relay to ship the in-process outbox (within the hook's 5 s). */
const AUDIT_DRAIN_TIMEOUT_MS = 3_000;
const HOST_HEADER = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-fA-F:]{2,45}\](:\d{1,5})?$/;

/** Wires the gateway once per process: security pipeline, upstreams, catalogue, built-in tools, /mcp entry. */
export function createGatewayCore(deps: {
  config: GatewayConfig;
  file: GatewayFileConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
}): GatewayCore {
  const { config, file, logger, registry, store } = deps;
  if (file.auth.devToken?.enabled && config.production) {
    throw new GatewayConfigError('(environment)', ['auth.devToken: a development token is refused in production (NODE_ENV=production)']);
  }
  const backend = (name: string, url: string, token: string | undefined) => new BackendClient(name, url, token, { registry, logger });
  const backends = {
    broker: backend('sentraip-oauth-broker', config.brokerUrl, config.outboundTokens.broker),
    collector: backend('analytics-collector', config.collectorUrl, config.outboundTokens.collector),
    chat: backend('claude-mcp-client', config.chatUrl, config.outboundTokens.chat),
  };
  const builtins: CatalogueTool[] = builtinToolDefinitions().map((definition) => ({
    name: String(definition['name']),
    originalName: String(definition['name']),
    owner: { kind: 'builtin' },
    definition,
  }));
  // The registry reports list changes to the catalogue, which is built on the registry.
  const refs: { catalogue?: Catalogue } = {};
  const upstreams = new UpstreamRegistry(file, {
    logger,
    registry,
    clientVersion: config.version,
    onListChanged: (id) => void refs.catalogue?.refresh(id),
  });
  const audit = new AuditRecorder(store, logger);
  const pins = new ToolPins(store);
  const listChanged = new ListChangedHub();
  const catalogue = new Catalogue(upstreams, builtins, file.namespaceSeparator, logger, (kinds) => listChanged.notify(kinds), {
    pins,
    onIncident: (incident) =>
      void audit
        .record({
          type: 'security.incident',
          request_id: randomUUID(),
          method: 'tools/list',
          tool: incident.tool.slice(0, 128),
          upstream: incident.upstream,
          decision: 'deny',
          reason: incident.kind,
          status: 403,
          duration_ms: 0,
          degraded: false,
        })
        .catch((err: unknown) => logger.error('incident not recorded', { err })),
  });
  refs.catalogue = catalogue;
  upstreams.onSetChanged((changes) => void catalogue.upstreamsChanged(changes));
  const dispatcher = new McpDispatcher({
    catalogue,
    builtins: createBuiltinHandlers(backends),
    serverInfo: { name: 'mcpgw-gateway', version: config.version },
    instructions: `Tools from several MCP servers, federated by the MCP secure gateway. Upstream tools are named <upstream>${file.namespaceSeparator}<tool>.`,
    pageSize: file.pageSize,
  });

  const apiKeys = new ApiKeyStore(store);
  const blocklist = new DynamicBlocklist(store);
  const authorizer = new Authorizer(file);
  const upstreamAdmin = new UpstreamManager({
    registry: upstreams,
    overlay: new UpstreamOverlay(store, logger),
    file,
    builtinNames: builtins.map((b) => b.name),
    logger,
  });
  const reloader = new ConfigReloader({
    file: config.configFile,
    initial: file,
    logger,
    targets: {
      apply: (next) => {
        authorizer.replace(next);
        return upstreamAdmin.setBase(next);
      },
    },
  });
  const publicBaseUrl = (headers: IncomingHttpHeaders) => {
    if (file.auth.resource) return new URL(file.auth.resource).origin;
    const host = headers['host'];
    return typeof host === 'string' && HOST_HEADER.test(host) ? `http://${host}` : 'http://localhost';
  };
  const auditMetrics = createAuditMetrics(registry, store);
  const pipeline = new GatewayPipeline({
    ipGate: new IpGate(file.ipGate, blocklist, backends.broker, logger, registry),
    authenticator: new Authenticator({ config: file.auth, networkIdentity: authorizer, apiKeys, adminKey: config.adminKey, devToken: config.devToken, publicBaseUrl }),
    authorizer,
    rateLimiter: new RateLimiter(store, file, authorizer),
    sanitizer: new Sanitizer(file.sanitize),
    audit,
    dispatcher,
    catalogue,
    trustedProxies: file.ipGate.trustedProxies.length ? new AddressList(file.ipGate.trustedProxies) : undefined,
    auditIncludesArguments: file.audit.includeArguments,
    maxBodyBytes: MAX_MCP_BODY_BYTES,
    logger,
    decisions: auditMetrics.decisions,
  });
  const relay = new AuditRelay({ store, logger, collectorUrl: config.collectorUrl, token: config.outboundTokens.collector, metrics: auditMetrics });
  let stopRetries: (() => void) | undefined;
  const pendingServerRequests = new PendingServerRequests();
  const serverAnswers = new ServerAnswerRouter(store, pendingServerRequests, logger);
  const handleMcp = createMcpEntry({
    pipeline,
    listChanged,
    metrics: createMcpMetrics(registry),
    logger,
    allowedOrigins: file.allowedOrigins,
    pendingServerRequests,
    serverAnswers,
  });
  return {
    catalogue,
    dispatcher,
    pipeline,
    upstreams,
    apiKeys,
    blocklist,
    audit,
    pins,
    upstreamAdmin,
    reloadConfig: () => reloader.reload(),
    currentFile: () => reloader.current(),
    handleMcp,
    async start() {
      await provisionKeys(store, parseProvisionedKeys(config.provisionedKeys).keys);
      await pins.start((upstream) => void catalogue.refresh(upstream));
      await upstreamAdmin.start();
      stopRetries = catalogue.retryFailedEvery(15_000);
      await apiKeys.start();
      await blocklist.start();
      await serverAnswers.start();
      relay.start();
    },
    async closeStreams() {
      listChanged.close();
    },
    async close() {
      stopRetries?.();
      listChanged.close();
      // In-process, unshipped events would be lost with the process: ship them first (bounded).
      await relay.stop(store.kind === 'memory' ? { drainTimeoutMs: AUDIT_DRAIN_TIMEOUT_MS } : {});
      await serverAnswers.stop();
      await blocklist.stop();
      await apiKeys.stop();
      await pins.stop();
      await upstreamAdmin.stop();
      await upstreams.close();
      for (const b of Object.values(backends)) b.shutdown();
    },
  };
}
