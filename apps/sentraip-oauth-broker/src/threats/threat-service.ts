import { withTimeout } from '@mcpgw/resilience';
import { StateStoreError, type StateStore } from '@mcpgw/state';
import { ATTR_SENTRAIP_RISK_SCORE, withSpan, type Logger } from '@mcpgw/telemetry';
import type { ThreatVerdict } from '@mcpgw/tool-schemas';
import type { LogThrottle } from '../log-throttle.js';
import type { BrokerMetrics, LookupSource } from '../metrics.js';
import type { ThreatTarget } from '../targets/parse-target.js';
import { degradedReason, type DegradedReason } from './degraded-reason.js';
import type { CacheEntry, VerdictCache } from './verdict-cache.js';
import { unknownVerdict, withFlags, type VerdictData } from './verdict.js';

/** What a lookup answered, and why it is degraded when it is. */
export interface LookupResult {
  verdict: ThreatVerdict;
  source: LookupSource;
  degradedReason?: DegradedReason;
}

/** The upstream side of a lookup (the resilient SentraIP client). */
export interface VerdictSource {
  lookup(target: ThreatTarget): Promise<VerdictData>;
}

export interface ThreatServiceOptions {
  store: StateStore;
  cache: VerdictCache;
  source: VerdictSource;
  metrics: BrokerMetrics;
  logger: Logger;
  warn: LogThrottle;
  /** The longest a caller waits for SentraIP before getting a degraded answer. */
  budgetMs: number;
  /** Worst case of one `source.lookup`; bounds the cross-replica coalescing lock. */
  fetchDeadlineMs: number;
  now?: () => number;
}

/**
 * Answers lookups: fresh cache hit → cached verdict; past freshness but within the revalidation
 * window → the stale verdict at once while one background call refreshes it; otherwise one call
 * to SentraIP for all concurrent callers of the same target, in this process and on every
 * replica (the store's single-flight), bounded by the caller's budget. When SentraIP cannot
 * answer, the stale verdict comes back `degraded`, or an `unknown` one when nothing is cached:
 * a lookup never fails.
 */
export class ThreatService {
  private readonly local = new Map<string, Promise<CacheEntry>>();
  private readonly now: () => number;

  constructor(private readonly options: ThreatServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  lookup(target: ThreatTarget): Promise<LookupResult> {
    return withSpan(
      'threat.lookup',
      { attributes: { 'sentraip.target.type': target.type } },
      async (span) => {
        const result = await this.resolve(target);
        const { verdict } = result;
        if (verdict.threat_score !== null)
          span.setAttribute(ATTR_SENTRAIP_RISK_SCORE, verdict.threat_score);
        span.setAttributes({
          'sentraip.risk_level': verdict.risk_level,
          'sentraip.cached': verdict.cached,
          'sentraip.stale': verdict.stale,
          'sentraip.degraded': verdict.degraded,
        });
        if (result.degradedReason)
          span.setAttribute('sentraip.degraded_reason', result.degradedReason);
        this.options.metrics.lookup(target.type, result.source);
        return result;
      },
    );
  }

  private async resolve(target: ThreatTarget): Promise<LookupResult> {
    const { cache, metrics } = this.options;
    const entry = await cache.read(target);
    const now = this.now();
    if (entry && now < entry.fresh_until) {
      metrics.cacheHit('fresh');
      return {
        verdict: withFlags(entry.data, { cached: true, stale: false, degraded: false }),
        source: 'cache',
      };
    }
    if (entry && now < entry.revalidate_until) {
      metrics.cacheHit('stale');
      // Stale-while-revalidate: answer now; the coalesced refresh updates the cache for the next caller.
      this.fetch(target, entry).catch(() => undefined);
      return {
        verdict: withFlags(entry.data, { cached: true, stale: true, degraded: false }),
        source: 'stale_cache',
      };
    }
    metrics.cacheMiss();
    try {
      const fresh = await withTimeout(() => this.fetch(target, entry), this.options.budgetMs, {
        message: 'lookup budget exceeded',
      });
      return {
        verdict: withFlags(fresh.data, { cached: false, stale: false, degraded: false }),
        source: 'upstream',
      };
    } catch (err) {
      return this.degrade(target, entry, err);
    }
  }

  private degrade(target: ThreatTarget, entry: CacheEntry | undefined, err: unknown): LookupResult {
    const reason = degradedReason(err);
    this.options.metrics.degraded(reason);
    if (reason === 'internal') {
      this.options.logger.error('threat lookup failed unexpectedly', { err, type: target.type });
    } else {
      this.options.warn.warn(`degraded-${reason}`, 'SentraIP unavailable, answering degraded', {
        reason,
      });
    }
    if (entry) {
      return {
        verdict: withFlags(entry.data, { cached: true, stale: true, degraded: true }),
        source: 'stale_cache',
        degradedReason: reason,
      };
    }
    return { verdict: unknownVerdict(target), source: 'degraded', degradedReason: reason };
  }

  /**
   * One SentraIP call per target at a time, across replicas; falls back to this process alone
   * if the store is down. Callers that saw the same cache state share a flight: the key carries
   * the generation of the entry they saw, so a result published for an older entry is never
   * handed to a caller that already knows it is stale.
   */
  private fetch(target: ThreatTarget, seen: CacheEntry | undefined): Promise<CacheEntry> {
    const key = `threat-fetch:${target.type}:${target.target}:${seen?.fetched_at ?? 0}`;
    const run = async (): Promise<CacheEntry> => {
      // Another replica may have finished the same lookup just before we got the lock.
      const cached = await this.options.cache.read(target);
      if (cached && this.now() < cached.fresh_until) return cached;
      const data = await this.options.source.lookup(target);
      return this.options.cache.write(target, data, this.now());
    };
    const waitMs = this.options.fetchDeadlineMs + 2_000;
    return this.options.store
      .singleFlight(key, run, { lockTtlMs: waitMs, waitTimeoutMs: waitMs, resultTtlMs: 2_000 })
      .catch((err: unknown) => {
        if (err instanceof StateStoreError && err.code === 'STORE_UNAVAILABLE')
          return this.runLocally(key, run);
        throw err;
      });
  }

  private runLocally(key: string, run: () => Promise<CacheEntry>): Promise<CacheEntry> {
    let flight = this.local.get(key);
    if (!flight) {
      flight = run().finally(() => this.local.delete(key));
      this.local.set(key, flight);
    }
    return flight;
  }
}
