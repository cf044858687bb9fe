import type { BlockList } from 'node:net';
import { withTimeout } from '@mcpgw/resilience';
import type { Logger } from '@mcpgw/telemetry';
import type { BackendClient } from '../builtins/backend-client.js';
import type { IpGateConfig } from '../gateway-config/schema.js';
import { blockListOf, inList } from './authorizer.js';
import type { DynamicBlocklist } from './blocklist.js';
import { Denial } from './denial.js';

/** Addresses SentraIP has nothing to say about (loopback, private, link-local, documentation-free). */
const NOT_ROUTABLE = blockListOf(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '::1/128', 'fc00::/7', 'fe80::/10']);
const MAX_CACHED_VERDICTS = 10_000;

export interface IpDecision {
  /** The reputation check could not be used (budget exceeded or broker down); the request proceeded. */
  readonly degraded: boolean;
  readonly threatScore?: number;
}

/**
 * Stage 1 of the pipeline: static allow/deny lists, the shared dynamic blocklist, and SentraIP
 * reputation through the broker. Reputation is an enrichment: used when it answers within the
 * latency budget or is cached, otherwise the request proceeds and the decision is marked degraded
 * (the lookup goes on and fills the cache for the next request).
 */
export class IpGate {
  private readonly allow: BlockList | undefined;
  private readonly deny: BlockList;
  private readonly verdicts = new Map<string, { score: number | null; until: number }>();
  private readonly pending = new Map<string, Promise<number | null>>();

  constructor(
    private readonly config: IpGateConfig,
    private readonly blocklist: DynamicBlocklist,
    private readonly broker: BackendClient,
    private readonly logger: Logger,
  ) {
    this.allow = config.allow.length ? blockListOf(config.allow) : undefined;
    this.deny = blockListOf(config.deny);
  }

  async check(ip: string): Promise<IpDecision> {
    if (this.allow && !inList(this.allow, ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_not_allowed');
    if (inList(this.deny, ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_denied');
    if (this.blocklist.isBlocked(ip)) throw new Denial(403, 'GW_ERR_IP_BLOCKED', 'access denied', 'ip_blocklisted');
    if (!this.config.reputation.enabled || inList(NOT_ROUTABLE, ip)) return { degraded: false };

    const cached = this.verdicts.get(ip);
    let score: number | null | undefined = cached && cached.until > Date.now() ? cached.score : undefined;
    let degraded = false;
    if (score === undefined) {
      const lookup = this.lookup(ip);
      try {
        score = await withTimeout(() => lookup, this.config.reputation.budgetMs);
      } catch {
        degraded = true; // over budget: proceed now, the lookup still fills the cache
        score = cached?.score;
      }
    }
    if (score !== undefined && score !== null && score >= this.config.reputation.threshold) {
      throw new Denial(403, 'GW_ERR_THREAT_BLOCKED', 'access denied', 'threat_blocked');
    }
    return { degraded, ...(typeof score === 'number' ? { threatScore: score } : {}) };
  }

  /** One broker lookup per address at a time; a degraded or failed verdict is not cached for long. */
  private lookup(ip: string): Promise<number | null> {
    const running = this.pending.get(ip);
    if (running) return running;
    const promise = this.broker
      .getJson(`/v1/threat/ip/${encodeURIComponent(ip)}`)
      .then((verdict) => {
        const v = verdict as { threat_score?: unknown; degraded?: unknown };
        const score = typeof v.threat_score === 'number' ? v.threat_score : null;
        const ttl = v.degraded ? 10_000 : this.config.reputation.cacheTtlMs;
        this.remember(ip, score, ttl);
        return score;
      })
      .catch((err: unknown) => {
        this.logger.warn('threat reputation unavailable', { err });
        this.remember(ip, null, 5000);
        return null;
      })
      .finally(() => this.pending.delete(ip));
    this.pending.set(ip, promise);
    return promise;
  }

  private remember(ip: string, score: number | null, ttlMs: number): void {
    if (this.verdicts.size >= MAX_CACHED_VERDICTS) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(ip, { score, until: Date.now() + ttlMs });
  }
}
