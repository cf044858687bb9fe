import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { capturingLogger } from '../../test/support/fakes.js';
import { LogThrottle } from '../log-throttle.js';
import { cacheEntry, VerdictCache, type CachePolicy } from './verdict-cache.js';
import type { VerdictData } from './verdict.js';

const policy: CachePolicy = {
  maliciousTtlMs: 3_600_000,
  cleanTtlMs: 600_000,
  revalidateMs: 60_000,
  staleKeepMs: 86_400_000,
};
const data = (score: number): VerdictData => ({
  target: '203.0.113.9',
  type: 'ip',
  threat_score: score,
  risk_level: score >= 9 ? 'critical' : 'low',
  categories: [],
  last_updated: null,
  sources: [],
});

describe('cacheEntry', () => {
  it('keeps malicious verdicts fresh longer than clean ones', () => {
    expect(cacheEntry(data(9), 0, policy)).toMatchObject({
      fresh_until: 3_600_000,
      revalidate_until: 3_660_000,
    });
    expect(cacheEntry(data(7), 0, policy).fresh_until).toBe(3_600_000);
    expect(cacheEntry(data(6), 0, policy)).toMatchObject({
      fresh_until: 600_000,
      revalidate_until: 660_000,
    });
  });
});

describe('VerdictCache', () => {
  const setup = () => {
    const store = new MemoryStateStore({ keyPrefix: 'brk:' });
    const { logger, lines } = capturingLogger();
    return { store, lines, cache: new VerdictCache(store, policy, new LogThrottle(logger)) };
  };
  const target = { type: 'ip' as const, target: '203.0.113.9' };

  it('writes threat:{type}:{target} with a TTL covering freshness, revalidation and the stale keep', async () => {
    const { store, cache } = setup();
    const entry = await cache.write(target, data(9), Date.now());
    expect(await cache.read(target)).toEqual(entry);
    const ttl = (await store.ttlMs('threat:ip:203.0.113.9')) ?? 0;
    expect(ttl).toBeGreaterThan(3_660_000 + 86_400_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(3_660_000 + 86_400_000);
  });

  it('treats a corrupt or foreign entry as a miss', async () => {
    const { store, cache } = setup();
    await store.set('threat:ip:203.0.113.9', 'not json');
    expect(await cache.read(target)).toBeUndefined();
    await store.set(
      'threat:ip:203.0.113.9',
      JSON.stringify({
        v: 1,
        data: { target: 'x' },
        fetched_at: 0,
        fresh_until: 0,
        revalidate_until: 0,
      }),
    );
    expect(await cache.read(target)).toBeUndefined();
  });

  it('answers a miss and drops writes when the store is closed, logging it once', async () => {
    const { store, cache, lines } = setup();
    await store.close();
    expect(await cache.read(target)).toBeUndefined();
    await expect(cache.write(target, data(1))).resolves.toMatchObject({ data: data(1) });
    expect(lines.filter((l) => l.includes('verdict cache unavailable'))).toHaveLength(2);
  });
});
