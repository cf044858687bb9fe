import type { Registry } from 'prom-client';
import type { Logger } from '@mcpgw/telemetry';
import { BackendClient } from './builtins/backend-client.js';
import { builtinToolDefinitions, createBuiltinHandlers } from './builtins/builtin-tools.js';
import { Catalogue, type CatalogueTool } from './catalogue/catalogue.js';
import type { GatewayConfig } from './config.js';
import type { GatewayFileConfig } from './gateway-config/schema.js';
import { McpDispatcher } from './mcp/dispatcher.js';
import { createMcpEntry } from './mcp/http-entry.js';
import { createMcpMetrics } from './mcp/mcp-metrics.js';
import { UpstreamRegistry } from './upstreams/upstream-registry.js';

export interface GatewayCore {
  readonly catalogue: Catalogue;
  readonly dispatcher: McpDispatcher;
  readonly upstreams: UpstreamRegistry;
  readonly handleMcp: ReturnType<typeof createMcpEntry>;
  close(): Promise<void>;
}

const MAX_MCP_BODY_BYTES = 4 * 1024 * 1024;

/** Wires the federation core once per process: upstreams, catalogue, built-in tools, dispatcher, /mcp entry. */
export function createGatewayCore(deps: {
  config: GatewayConfig;
  file: GatewayFileConfig;
  logger: Logger;
  registry: Registry;
}): GatewayCore {
  const { config, file, logger, registry } = deps;
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
  const catalogue = new Catalogue(upstreams, builtins, file.namespaceSeparator, logger);
  refs.catalogue = catalogue;
  const dispatcher = new McpDispatcher({
    catalogue,
    builtins: createBuiltinHandlers(backends),
    serverInfo: { name: 'mcpgw-gateway', version: config.version },
    instructions: 'Tools from several MCP servers, federated by the MCP secure gateway. Upstream tools are named <upstream>' + file.namespaceSeparator + '<tool>.',
    pageSize: file.pageSize,
  });
  const handleMcp = createMcpEntry({
    dispatcher,
    metrics: createMcpMetrics(registry),
    logger,
    maxBodyBytes: MAX_MCP_BODY_BYTES,
    allowedOrigins: file.allowedOrigins,
  });
  return {
    catalogue,
    dispatcher,
    upstreams,
    handleMcp,
    async close() {
      await upstreams.close();
      for (const b of Object.values(backends)) b.shutdown();
    },
  };
}
