import type { StateStore } from '@mcpgw/state';
import type { ClientPolicyConfig, GatewayFileConfig, RateLimitConfig } from '../gateway-config/schema.js';
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

/** A stream entry written atomically with the admission (the write-ahead audit record). */
export interface AdmissionAppend {
  stream: string;
  fields: Record<string, string>;
  maxLenApprox?: number;
}

/**
 * Token buckets per client (and per tool where the policy says so), atomic in the shared store so
 * replicas never over-admit together; daily and monthly quotas per client. Anonymous callers get
 * the strict anonymous bucket, never none. Everything a request takes — its buckets, its quota
 * units and, for a forwarded call, its write-ahead audit record — is one all-or-nothing store
 * operation, so one round trip: a refused request spends nothing, an admitted call is on record.
 * A store error refuses the request (503), never admits it.
 */
export class RateLimiter {
  /** Per-tool limits compiled once per policy object; a config reload brings new policy objects. */
  private readonly toolLimits = new WeakMap<ClientPolicyConfig, Array<{ matches: (tool: string) => boolean; limit: RateLimitConfig }>>();

  constructor(
    private readonly store: StateStore,
    private readonly config: GatewayFileConfig,
    private readonly authorizer: Authorizer,
  ) {}

  private toolLimitOf(policy: ClientPolicyConfig, tool: string): RateLimitConfig | undefined {
    let compiled = this.toolLimits.get(policy);
    if (!compiled) {
      compiled = Object.entries(policy.toolRateLimits).map(([pattern, limit]) => ({ matches: compilePatterns([pattern]), limit }));
      this.toolLimits.set(policy, compiled);
    }
    return compiled.find((t) => t.matches(tool))?.limit;
  }

  /**
   * Takes one token (and quota unit) for the request, appending `append` in the same atomic step
   * when admitted; returns the headers to attach to a successful answer.
   */
  async admit(principal: Principal, tool: string | undefined, append?: AdmissionAppend, now = new Date()): Promise<Record<string, string>> {
    const subject = rateLimitSubject(principal);
    const policy = this.authorizer.policyOf(principal);
    const limit =
      principal.kind === 'anonymous' ? this.config.auth.anonymous.rateLimit : (policy?.rateLimit ?? this.config.defaultRateLimit);
    const toolLimit = tool && policy ? this.toolLimitOf(policy, tool) : undefined;
    const buckets = [{ key: `rl:${subject}:all`, ...limit }];
    if (toolLimit) buckets.push({ key: `rl:${subject}:tool:${tool}`, ...toolLimit });
    const quotas: Array<{ key: string; limit: number; windowTtlMs: number; scope: string; retryAfterMs: number }> = [];
    if (policy?.quotas.daily) {
      quotas.push({ key: `quota:${subject}:d:${dayKey(now)}`, limit: policy.quotas.daily, windowTtlMs: 2 * 86_400_000, scope: 'daily_quota', retryAfterMs: msToNextDay(now) });
    }
    if (policy?.quotas.monthly) {
      quotas.push({ key: `quota:${subject}:m:${monthKey(now)}`, limit: policy.quotas.monthly, windowTtlMs: 32 * 86_400_000, scope: 'monthly_quota', retryAfterMs: msToNextMonth(now) });
    }
    let result;
    try {
      result = await this.store.admit({
        buckets,
        quotas: quotas.map(({ key, limit: max, windowTtlMs }) => ({ key, limit: max, windowTtlMs })),
        ...(append ? { append } : {}),
      });
    } catch (err) {
      throw storeUnavailableDenial(err);
    }
    const refused = result.refusedBy;
    if (refused?.kind === 'bucket') {
      const bucket = buckets[refused.index] ?? buckets[0];
      throw limited(bucket ?? limit, result.buckets[refused.index]?.retryAfterMs ?? Infinity, refused.index === 0 ? 'client' : 'tool');
    }
    if (refused?.kind === 'quota') {
      const quota = quotas[refused.index];
      if (quota) throw limited({ capacity: quota.limit, refillPerSecond: 0 }, quota.retryAfterMs, quota.scope);
    }
    if (!result.allowed) throw limited(limit, Infinity, 'client');
    const taken = result.buckets[0];
    return {
      'RateLimit-Limit': String(limit.capacity),
      'RateLimit-Remaining': String(Math.max(0, Math.floor(taken?.remaining ?? 0))),
      'RateLimit-Reset': String(Math.max(0, Math.ceil(Math.min(taken?.resetMs ?? 0, 86_400_000) / 1000))),
    };
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
