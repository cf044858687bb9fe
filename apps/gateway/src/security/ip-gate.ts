import type { Registry } from 'prom-client';
import { withTimeout } from '@mcpgw/resilience';
import { getOrCreateCounter, type Logger } from '@mcpgw/telemetry';
import type { BackendClient } from '../builtins/backend-client.js';
import type { IpGateConfig } from '../gateway-config/schema.js';
import { AddressList, BoundedMemo } from './address-list.js';
import type { DynamicBlocklist } from './blocklist.js';
import { Denial } from './denial.js';

/** Addresses SentraIP has nothing to say about (loopback, private, link-local, documentation-free). */
const NOT_ROUTABLE = new AddressList(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10']);
const MAX_CACHED_VERDICTS = 10_000;

/** Why a reputation decision was taken without a fresh verdict (the metric's `reason` label). */
export type DegradedReason = 'over_budget' | 'broker_error' | 'broker_degraded';

export interface IpDecision {
  /** The reputation check could not be used as designed (budget exceeded, broker down or degraded); the request proceeded. */
  readonly degraded: boolean;
  readonly threatScore?: number;
}

/** A reputation block: a 403 that carries the score, for the audit event and the incident. */
export class ThreatBlocked extends Denial {
  constructor(readonly threatScore: number) {
    super(403, 'GW_ERR_THREAT_BLOCKED', 'access denied', 'threat_blocked');
  }
}

interface Verdict {
  readonly score: number | null;
  /** The broker failed, or answered a degraded (stale or default) verdict. */
  readonly degraded: DegradedReason | undefined;
}

/**
 * Stage 1 of the pipeline: static allow/deny lists, the shared dynamic blocklist, and SentraIP
 * reputation through the broker. Reputation is an enrichment: used when it answers within the
 * latency budget or is cached, otherwise the last cached score is used, otherwise the request
 * proceeds; each such decision is marked degraded (audit event) and counted (metric). The lookup
 * goes on after the budget and fills the cache for the next request.
 */
export class IpGate {
  private readonly allow: AddressList | undefined;
  private readonly deny: AddressList;
  private readonly verdicts = new BoundedMemo<Verdict & { until: number }>(MAX_CACHED_VERDICTS);
  private readonly pending = new Map<string, Promise<Verdict>>();
  private readonly degradedDecisions: { inc(labels: { reason: DegradedReason }): void } | undefined;

  constructor(
    private readonly config: IpGateConfig,
    private readonly blocklist: DynamicBlocklist,
    private readonly broker: BackendClient,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.allow = config.allow.length ? new AddressList(config.allow) : undefined;
    this.deny = new AddressList(config.deny);
    this.degradedDecisions = registry
      ? getOrCreateCounter(registry, {
          name: 'gateway_ip_reputation_degraded_total',
          help: 'Requests let through without a usable SentraIP verdict (fail-open enrichment), by reason',
          labelNames: ['reason'] as const,
        })
      : undefined;
  }

  async check(ip: string): Promise<IpDecision> {
    if (this.allow && !this.allow.has(ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_not_allowed');
    if (this.deny.has(ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_denied');
    if (this.blocklist.isBlocked(ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_blocklisted');
    if (!this.config.reputation.enabled || NOT_ROUTABLE.has(ip)) return { degraded: false };

    const cached = this.verdicts.get(ip);
    let verdict: Verdict;
    if (cached && cached.until > Date.now()) {
      verdict = cached;
    } else {
      const lookup = this.lookup(ip);
      try {
        verdict = await withTimeout(() => lookup, this.config.reputation.budgetMs);
      } catch {
        // Over budget: proceed now with the last known score, if any; the lookup still fills the cache.
        verdict = { score: cached?.score ?? null, degraded: 'over_budget' };
      }
    }
    if (verdict.degraded) this.degradedDecisions?.inc({ reason: verdict.degraded });
    if (verdict.score !== null && verdict.score >= this.config.reputation.threshold) throw new ThreatBlocked(verdict.score);
    return { degraded: verdict.degraded !== undefined, ...(verdict.score !== null ? { threatScore: verdict.score } : {}) };
  }

  /** One broker lookup per address at a time; a degraded or failed verdict is not cached for long. */
  private lookup(ip: string): Promise<Verdict> {
    const running = this.pending.get(ip);
    if (running) return running;
    const previous = this.verdicts.get(ip);
    const promise = this.broker
      .getJson(`/v1/threat/ip/${encodeURIComponent(ip)}`)
      .then((answer): Verdict => {
        const v = answer as { threat_score?: unknown; degraded?: unknown };
        const score = typeof v.threat_score === 'number' ? v.threat_score : null;
        const verdict: Verdict = { score, degraded: v.degraded === true ? 'broker_degraded' : undefined };
        this.remember(ip, verdict, verdict.degraded ? 10_000 : this.config.reputation.cacheTtlMs);
        return verdict;
      })
      .catch((err: unknown): Verdict => {
        this.logger.warn('threat reputation unavailable', { err });
        // The last known score stays in use; the failure is remembered briefly so a dead broker is not hammered.
        const verdict: Verdict = { score: previous?.score ?? null, degraded: 'broker_error' };
        this.remember(ip, verdict, 5000);
        return verdict;
      })
      .finally(() => this.pending.delete(ip));
    this.pending.set(ip, promise);
    return promise;
  }

  private remember(ip: string, verdict: Verdict, ttlMs: number): void {
    this.verdicts.set(ip, { ...verdict, until: Date.now() + ttlMs });
  }
}
