import type { Registry } from 'prom-client';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { BrokerConfig } from './config.js';
import { LogThrottle } from './log-throttle.js';
import { createBrokerMetrics } from './metrics.js';
import { createSentraipHttp } from './sentraip/http-client.js';
import { ThreatClient } from './sentraip/threat-client.js';
import { TokenClient, tokenFetchDeadlineMs } from './sentraip/token-client.js';
import { ThreatService } from './threats/threat-service.js';
import { VerdictCache } from './threats/verdict-cache.js';
import { SharedTokenCache } from './tokens/shared-token-cache.js';
import { TokenProvider } from './tokens/token-provider.js';

/** The broker's long-lived parts; `close()` stops timers and sockets at shutdown. */
export interface BrokerComponents {
  readonly tokens: TokenProvider;
  readonly threats: ThreatService;
  readonly client: ThreatClient;
  /** Obtains the first token in the background. */
  start(): void;
  close(): Promise<void>;
}

export interface BrokerComponentDeps {
  config: BrokerConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
}

/** Wires the token provider, the resilient SentraIP client and the threat service. */
export function createBrokerComponents(deps: BrokerComponentDeps): BrokerComponents {
  const { config, logger, registry, store } = deps;
  const { sentraip } = config;
  const metrics = createBrokerMetrics(registry);
  const warn = new LogThrottle(logger);
  // One socket per concurrent lookup, plus the token endpoint.
  const http = createSentraipHttp(sentraip.baseUrl, { maxSockets: sentraip.maxConcurrency + 2 });
  const credentials =
    sentraip.clientId !== undefined && sentraip.clientSecret !== undefined
      ? { clientId: sentraip.clientId, clientSecret: sentraip.clientSecret }
      : undefined;
  if (!credentials)
    logger.warn(
      'SENTRAIP_CLIENT_ID/SENTRAIP_CLIENT_SECRET not set: every verdict will be degraded',
    );
  const tokenClient = credentials
    ? new TokenClient({
        http,
        ...credentials,
        timeoutMs: sentraip.timeoutMs,
        retries: sentraip.maxRetries,
        metrics,
      })
    : undefined;
  const fetchDeadlineMs = tokenFetchDeadlineMs(sentraip.timeoutMs, sentraip.maxRetries);
  const tokens = new TokenProvider({
    client: tokenClient,
    cache: new SharedTokenCache(store, credentials?.clientId ?? 'unconfigured', warn),
    metrics,
    logger,
    warn,
    backoffMs: config.token.backoffMs,
    refreshAhead: config.token.refreshAhead,
    fetchDeadlineMs,
  });
  const client = new ThreatClient({
    http,
    tokens,
    metrics,
    registry,
    logger,
    timeoutMs: sentraip.timeoutMs,
    retries: sentraip.maxRetries,
    deadlineMs: fetchDeadlineMs,
    maxConcurrent: sentraip.maxConcurrency,
    maxQueue: sentraip.maxQueue,
    breakerResetMs: sentraip.breakerResetMs,
  });
  const threats = new ThreatService({
    store,
    cache: new VerdictCache(store, config.cache, warn),
    source: client,
    metrics,
    logger,
    warn,
    budgetMs: config.lookupTimeoutMs,
    // A lookup may first wait for another replica's token refresh (lock TTL + 1 s), then make its own attempts.
    fetchDeadlineMs: fetchDeadlineMs * 2 + 3_000,
  });
  return {
    tokens,
    threats,
    client,
    start: () => tokens.warmUp(),
    close: async () => {
      tokens.close();
      client.close();
      http.close();
    },
  };
}
