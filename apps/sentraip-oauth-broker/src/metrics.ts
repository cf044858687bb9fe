import type { Gauge, Registry } from 'prom-client';
import { getOrCreateCounter, getOrCreateGauge, getOrCreateHistogram } from '@mcpgw/telemetry';

/** `outcome` of one SentraIP call (or of a call that was not made: `breaker_open`, `overloaded`). */
export type SentraipOutcome =
  | 'success'
  | 'unauthorized'
  | 'rate_limited'
  | 'client_error'
  | 'server_error'
  | 'timeout'
  | 'network_error'
  | 'invalid_response'
  | 'breaker_open'
  | 'overloaded';

/** Where a lookup's answer came from. */
export type LookupSource = 'upstream' | 'cache' | 'stale_cache' | 'degraded';

/** The broker's metrics, on the app's registry; every label value is from a fixed set. */
export interface BrokerMetrics {
  sentraipRequest(endpoint: 'token' | 'lookup', outcome: SentraipOutcome): void;
  tokenRefresh(outcome: 'success' | 'failure', seconds: number): void;
  cacheHit(freshness: 'fresh' | 'stale'): void;
  cacheMiss(): void;
  lookup(type: 'ip' | 'domain', source: LookupSource): void;
  degraded(reason: string): void;
  /** Reads the number of usable tokens held by this process at scrape time. */
  watchCachedTokens(count: () => number): void;
}

/** Registers the metrics the design promised (`oauth_token_refresh_duration_seconds`, ...). */
export function createBrokerMetrics(registry: Registry): BrokerMetrics {
  const requests = getOrCreateCounter(registry, {
    name: 'sentraip_requests_total',
    help: 'Calls to SentraIP by endpoint and outcome (breaker_open/overloaded: not sent)',
    labelNames: ['endpoint', 'outcome'],
  });
  const refresh = getOrCreateHistogram(registry, {
    name: 'oauth_token_refresh_duration_seconds',
    help: 'Time to obtain a SentraIP access token from the token endpoint, retries included',
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const hits = getOrCreateCounter(registry, {
    name: 'threat_cache_hits_total',
    help: 'Verdict cache hits by freshness',
    labelNames: ['freshness'],
  });
  const misses = getOrCreateCounter(registry, {
    name: 'threat_cache_misses_total',
    help: 'Verdict cache misses (no entry, or an entry past its revalidation window)',
  });
  const lookups = getOrCreateCounter(registry, {
    name: 'threat_lookups_total',
    help: 'Threat lookups answered, by target type and where the answer came from',
    labelNames: ['type', 'source'],
  });
  const degraded = getOrCreateCounter(registry, {
    name: 'threat_lookups_degraded_total',
    help: 'Lookups answered degraded (stale or unknown) because SentraIP could not answer, by reason',
    labelNames: ['reason'],
  });
  let cachedTokens = (): number => 0;
  getOrCreateGauge(registry, {
    name: 'cached_tokens_count',
    help: 'SentraIP access tokens held by this process and still usable',
    collect(this: Gauge) {
      this.set(cachedTokens());
    },
  });
  misses.inc(0);
  return {
    sentraipRequest: (endpoint, outcome) => requests.inc({ endpoint, outcome }),
    tokenRefresh: (outcome, seconds) => refresh.observe({ outcome }, seconds),
    cacheHit: (freshness) => hits.inc({ freshness }),
    cacheMiss: () => misses.inc(),
    lookup: (type, source) => lookups.inc({ type, source }),
    degraded: (reason) => degraded.inc({ reason }),
    watchCachedTokens: (count) => {
      cachedTokens = count;
    },
  };
}
