import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, MemoryStateStore, type MemoryBackend } from '@mcpgw/state';
import { threatVerdictSchema } from '@mcpgw/tool-schemas';
import { capturingLogger, metricValue, testRegistry } from '../../test/support/fakes.js';
import { SentraipError } from '../errors.js';
import { LogThrottle } from '../log-throttle.js';
import { createBrokerMetrics } from '../metrics.js';
import type { ThreatTarget } from '../targets/parse-target.js';
import { ThreatService, type VerdictSource } from './threat-service.js';
import { VerdictCache } from './verdict-cache.js';
import type { VerdictData } from './verdict.js';

class FakeSource implements VerdictSource {
  calls = 0;
  failWith: unknown;
  delayMs = 10;
  score = 9;
  async lookup(target: ThreatTarget): Promise<VerdictData> {
    this.calls++;
    await sleep(this.delayMs);
    if (this.failWith !== undefined) throw this.failWith;
    return {
      ...target,
      threat_score: this.score,
      risk_level: this.score >= 9 ? 'critical' : 'low',
      categories: ['botnet'],
      last_updated: null,
      sources: ['sim'],
    };
  }
}

const ip = (target: string): ThreatTarget => ({ type: 'ip', target });
const policy = {
  maliciousTtlMs: 60_000,
  cleanTtlMs: 10_000,
  revalidateMs: 5_000,
  staleKeepMs: 3_600_000,
};

function service(
  source: FakeSource,
  options: { backend?: MemoryBackend; budgetMs?: number; now?: () => number } = {},
) {
  const store = new MemoryStateStore({
    keyPrefix: 'brk:',
    backend: options.backend ?? createMemoryBackend(),
  });
  const { logger, lines } = capturingLogger();
  const registry = testRegistry();
  const warn = new LogThrottle(logger);
  const threats = new ThreatService({
    store,
    cache: new VerdictCache(store, policy, warn),
    source,
    metrics: createBrokerMetrics(registry),
    logger,
    warn,
    budgetMs: options.budgetMs ?? 2_000,
    fetchDeadlineMs: 2_000,
    now: options.now,
  });
  return { threats, store, lines, registry };
}

describe('ThreatService', () => {
  it('answers from SentraIP on a miss, then from the cache', async () => {
    const source = new FakeSource();
    const { threats, registry } = service(source);
    const first = await threats.lookup(ip('203.0.113.9'));
    expect(first).toMatchObject({
      source: 'upstream',
      verdict: { threat_score: 9, cached: false, stale: false, degraded: false },
    });
    const second = await threats.lookup(ip('203.0.113.9'));
    expect(second).toMatchObject({
      source: 'cache',
      verdict: { cached: true, stale: false, degraded: false },
    });
    expect(threatVerdictSchema.validate(second.verdict).error).toBeUndefined();
    expect(source.calls).toBe(1);
    expect(await metricValue(registry, 'threat_cache_hits_total', { freshness: 'fresh' })).toBe(1);
    expect(await metricValue(registry, 'threat_cache_misses_total')).toBe(1);
  });

  it('makes one upstream call for 500 concurrent lookups of one target over two replicas', async () => {
    const source = new FakeSource();
    source.delayMs = 100;
    const backend = createMemoryBackend();
    const a = service(source, { backend });
    const b = service(source, { backend });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).threats.lookup(ip('203.0.113.50'))),
    );
    expect(results.every((r) => r.verdict.threat_score === 9 && !r.verdict.degraded)).toBe(true);
    expect(source.calls).toBe(1);
  });

  it('answers unknown + degraded, never throwing, when SentraIP fails and nothing is cached', async () => {
    const source = new FakeSource();
    source.failWith = new SentraipError('network', 'SentraIP unreachable (ECONNREFUSED)');
    const { threats, registry } = service(source);
    const result = await threats.lookup(ip('192.0.2.1'));
    expect(result).toMatchObject({
      source: 'degraded',
      degradedReason: 'unavailable',
      verdict: { risk_level: 'unknown', threat_score: null, degraded: true },
    });
    expect(threatVerdictSchema.validate(result.verdict).error).toBeUndefined();
    expect(
      await metricValue(registry, 'threat_lookups_degraded_total', { reason: 'unavailable' }),
    ).toBe(1);
  });

  it('serves the stale verdict, degraded, when SentraIP fails after freshness and revalidation ran out', async () => {
    let offset = 0;
    const source = new FakeSource();
    const { threats } = service(source, { now: () => Date.now() + offset });
    await threats.lookup(ip('203.0.113.9'));
    offset = 70_000;
    source.failWith = new SentraipError('server_error', 'SentraIP failed the lookup (503)');
    const result = await threats.lookup(ip('203.0.113.9'));
    expect(result).toMatchObject({
      source: 'stale_cache',
      degradedReason: 'unavailable',
      verdict: { threat_score: 9, cached: true, stale: true, degraded: true },
    });
  });

  it('serves a stale verdict at once within the revalidation window and refreshes it in the background', async () => {
    let offset = 0;
    const source = new FakeSource();
    const { threats } = service(source, { now: () => Date.now() + offset });
    await threats.lookup(ip('198.51.100.7'));
    offset = 62_000;
    source.score = 5;
    const stale = await threats.lookup(ip('198.51.100.7'));
    expect(stale).toMatchObject({
      source: 'stale_cache',
      verdict: { threat_score: 9, stale: true, degraded: false },
    });
    await expect.poll(() => source.calls).toBe(2);
    await expect
      .poll(async () => (await threats.lookup(ip('198.51.100.7'))).verdict)
      .toMatchObject({ threat_score: 5, cached: true, stale: false });
  });

  it('answers within the caller budget while SentraIP is slow, and caches the late answer', async () => {
    const source = new FakeSource();
    source.delayMs = 600;
    const { threats } = service(source, { budgetMs: 100 });
    const started = performance.now();
    const result = await threats.lookup(ip('203.0.113.77'));
    expect(performance.now() - started).toBeLessThan(500);
    expect(result).toMatchObject({ degradedReason: 'timeout', verdict: { risk_level: 'unknown' } });
    await expect
      .poll(async () => (await threats.lookup(ip('203.0.113.77'))).verdict, { timeout: 2_000 })
      .toMatchObject({ cached: true, threat_score: 9 });
    expect(source.calls).toBe(1);
  });

  it('turns an unexpected error into an internal degraded answer and logs it', async () => {
    const source = new FakeSource();
    source.failWith = new TypeError('bug');
    const { threats, lines } = service(source);
    expect(await threats.lookup(ip('192.0.2.9'))).toMatchObject({
      degradedReason: 'internal',
      verdict: { degraded: true },
    });
    expect(
      lines.some(
        (l) => l.includes('"level":"error"') && l.includes('threat lookup failed unexpectedly'),
      ),
    ).toBe(true);
  });

  it('still answers fresh verdicts when the store is down, coalescing in this process', async () => {
    const source = new FakeSource();
    source.delayMs = 50;
    const { threats, store } = service(source);
    await store.close();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => threats.lookup(ip('203.0.113.60'))),
    );
    expect(results.every((r) => r.source === 'upstream' && r.verdict.threat_score === 9)).toBe(
      true,
    );
    expect(source.calls).toBe(1);
  });
});
