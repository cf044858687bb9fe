import type { StateStore } from '@mcpgw/state';
import type { GatewayFileConfig, RateLimitConfig } from '../gateway-config/schema.js';
import type { Authorizer } from './authorizer.js';
import { Denial, storeUnavailableDenial } from './denial.js';
import type { Principal } from './principal.js';
import { compilePatterns } from './tool-patterns.js';

/** The bucket a principal draws from: its client if it has one, itself otherwise. */
export function rateLimitSubject(principal: Principal): string {
  return principal.clientId ? `client:${principal.clientId}` : principal.id;
}

function limited(limit: RateLimitConfig, retryAfterMs: number, scope: string): Denial {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new Denial(429, 'RATE_LIMITED', `rate limit exceeded (${scope})`, `rate_limited_${scope}`, {
    headers: {
      'Retry-After': String(Number.isFinite(seconds) ? seconds : 86_400),
      'RateLimit-Limit': String(limit.capacity),
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': String(Number.isFinite(seconds) ? seconds : 86_400),
    },
  });
}

const dayKey = (now: Date) => now.toISOString().slice(0, 10);
const monthKey = (now: Date) => now.toISOString().slice(0, 7);

/**
 * Token buckets per client (and per tool where the policy says so), atomic in the shared store so
 * replicas never over-admit together; daily and monthly quotas per client. Anonymous callers get
 * the strict anonymous bucket, never none. A store error refuses the request (503), never admits it.
 */
export class RateLimiter {
  private readonly toolLimits = new Map<string, Array<{ matches: (tool: string) => boolean; limit: RateLimitConfig }>>();

  constructor(
    private readonly store: StateStore,
    private readonly config: GatewayFileConfig,
    private readonly authorizer: Authorizer,
  ) {
    for (const client of config.clients) {
      this.toolLimits.set(
        client.id,
        Object.entries(client.toolRateLimits).map(([pattern, limit]) => ({ matches: compilePatterns([pattern]), limit })),
      );
    }
  }

  /** Takes one token for the request; returns the headers to attach to a successful answer. */
  async admit(principal: Principal, tool: string | undefined, now = new Date()): Promise<Record<string, string>> {
    const subject = rateLimitSubject(principal);
    const policy = this.authorizer.policyOf(principal);
    const limit =
      principal.kind === 'anonymous' ? this.config.auth.anonymous.rateLimit : (policy?.rateLimit ?? this.config.defaultRateLimit);
    try {
      const taken = await this.store.takeTokens(`rl:${subject}:all`, limit);
      if (!taken.allowed) throw limited(limit, taken.retryAfterMs, 'client');
      const toolLimit = tool && policy ? this.toolLimits.get(policy.id)?.find((t) => t.matches(tool))?.limit : undefined;
      if (toolLimit && tool) {
        const perTool = await this.store.takeTokens(`rl:${subject}:tool:${tool}`, toolLimit);
        if (!perTool.allowed) throw limited(toolLimit, perTool.retryAfterMs, 'tool');
      }
      if (policy?.quotas.daily) {
        const used = await this.store.incrBy(`quota:${subject}:d:${dayKey(now)}`, 1, { ttlMs: 2 * 86_400_000 });
        if (used > policy.quotas.daily) throw limited({ capacity: policy.quotas.daily, refillPerSecond: 0 }, msToNextDay(now), 'daily_quota');
      }
      if (policy?.quotas.monthly) {
        const used = await this.store.incrBy(`quota:${subject}:m:${monthKey(now)}`, 1, { ttlMs: 32 * 86_400_000 });
        if (used > policy.quotas.monthly) throw limited({ capacity: policy.quotas.monthly, refillPerSecond: 0 }, msToNextMonth(now), 'monthly_quota');
      }
      return {
        'RateLimit-Limit': String(limit.capacity),
        'RateLimit-Remaining': String(Math.max(0, Math.floor(taken.remaining))),
        'RateLimit-Reset': String(Math.max(0, Math.ceil(Math.min(taken.resetMs, 86_400_000) / 1000))),
      };
    } catch (err) {
      if (err instanceof Denial) throw err;
      throw storeUnavailableDenial(err);
    }
  }
}

function msToNextDay(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return next - now.getTime();
}

function msToNextMonth(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return next - now.getTime();
}
