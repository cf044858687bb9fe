import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, MemoryStateStore, type MemoryBackend } from '@mcpgw/state';
import { capturingLogger, metricValue, testRegistry } from '../../test/support/fakes.js';
import { TokenError } from '../errors.js';
import { LogThrottle } from '../log-throttle.js';
import { createBrokerMetrics } from '../metrics.js';
import type { IssuedToken } from '../sentraip/token-client.js';
import { SharedTokenCache } from './shared-token-cache.js';
import { TokenProvider, type TokenSource } from './token-provider.js';

/** A token endpoint stand-in: counts calls, answers after `delayMs`, or fails while `failing`. */
class FakeTokenSource implements TokenSource {
  calls = 0;
  failing: TokenError | undefined;
  constructor(
    private readonly expiresIn = 3600,
    private readonly delayMs = 20,
  ) {}
  async fetch(): Promise<IssuedToken> {
    this.calls++;
    const n = this.calls;
    await sleep(this.delayMs);
    if (this.failing) throw this.failing;
    return { access_token: `tok-${n}`, token_type: 'Bearer', expires_in: this.expiresIn };
  }
}

interface Replica {
  provider: TokenProvider;
  store: MemoryStateStore;
  lines: string[];
  registry: ReturnType<typeof testRegistry>;
}

function replica(
  source: FakeTokenSource | undefined,
  backend: MemoryBackend,
  options: { now?: () => number; refreshAhead?: boolean; backoffMs?: number } = {},
): Replica {
  const store = new MemoryStateStore({ keyPrefix: 'brk:', backend });
  const { logger, lines } = capturingLogger();
  const registry = testRegistry();
  const warn = new LogThrottle(logger);
  const provider = new TokenProvider({
    client: source,
    cache: new SharedTokenCache(store, 'client-1', warn),
    metrics: createBrokerMetrics(registry),
    logger,
    warn,
    backoffMs: options.backoffMs ?? 5_000,
    refreshAhead: options.refreshAhead ?? false,
    fetchDeadlineMs: 2_000,
    now: options.now,
  });
  return { provider, store, lines, registry };
}

describe('TokenProvider', () => {
  it('fetches once for 200 concurrent callers and publishes { access_token, expires_at, token_type } with TTL expires_in − 60 s', async () => {
    const source = new FakeTokenSource(3600);
    const { provider, store, registry } = replica(source, createMemoryBackend());
    const tokens = await Promise.all(Array.from({ length: 200 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(source.calls).toBe(1);
    const stored = JSON.parse((await store.get('oauth:token:client-1')) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(stored).sort()).toEqual(['access_token', 'expires_at', 'token_type']);
    expect(stored['access_token']).toBe('tok-1');
    const ttl = (await store.ttlMs('oauth:token:client-1')) ?? 0;
    expect(ttl).toBeGreaterThan(3_540_000 - 2_000);
    expect(ttl).toBeLessThanOrEqual(3_540_000);
    expect(await metricValue(registry, 'cached_tokens_count')).toBe(1);
    expect(
      await metricValue(registry, 'oauth_token_refresh_duration_seconds', { outcome: 'success' }),
    ).toBeGreaterThan(0);
  });

  it('makes one token request across two replicas sharing a store; the other reuses the published token', async () => {
    const source = new FakeTokenSource(3600, 100);
    const backend = createMemoryBackend();
    const a = replica(source, backend);
    const b = replica(source, backend);
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).provider.getToken()),
    );
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(source.calls).toBe(1);
  });

  it('backs off after a failed refresh: callers on every replica fail fast without a new request', async () => {
    const source = new FakeTokenSource();
    source.failing = new TokenError(
      'server_error',
      'SentraIP token request failed after 3 attempt(s): SentraIP failed the token request (500)',
    );
    const backend = createMemoryBackend();
    const a = replica(source, backend, { backoffMs: 400 });
    const b = replica(source, backend, { backoffMs: 400 });
    await expect(a.provider.getToken()).rejects.toMatchObject({
      code: 'BRK_ERR_TOKEN_REFRESH_FAILED',
      reason: 'server_error',
      fromBackoff: false,
    });
    const again = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).provider.getToken()),
    );
    expect(
      again.every((r) => r.status === 'rejected' && (r.reason as TokenError).fromBackoff),
    ).toBe(true);
    expect(source.calls).toBe(1);
    const logged = a.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r['message'] === 'SentraIP token refresh failed');
    expect(logged).toMatchObject({
      level: 'error',
      code: 'BRK_ERR_TOKEN_REFRESH_FAILED',
      reason: 'server_error',
      backoff_ms: 400,
    });
    await sleep(450);
    source.failing = undefined;
    expect(await b.provider.getToken()).toBe('tok-2');
    expect(source.calls).toBe(2);
  });

  it('replaces a token SentraIP refused, once for all concurrent callers, on every replica', async () => {
    const source = new FakeTokenSource();
    const backend = createMemoryBackend();
    const a = replica(source, backend);
    const b = replica(source, backend);
    expect(await a.provider.getToken()).toBe('tok-1');
    expect(await b.provider.getToken()).toBe('tok-1');
    const renewed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).provider.renewAfterRejection('tok-1')),
    );
    expect(new Set(renewed)).toEqual(new Set(['tok-2']));
    expect(source.calls).toBe(2);
    expect(await a.provider.getToken()).toBe('tok-2');
  });

  it('keeps using the old token until it really expires when its renewal fails', async () => {
    let now = 1_000_000;
    const backend = createMemoryBackend({ now: () => now });
    const source = new FakeTokenSource(100, 1);
    const { provider, lines } = replica(source, backend, { now: () => now, backoffMs: 1_000 });
    expect(await provider.getToken()).toBe('tok-1');
    // Past the soft expiry (shared copy gone at 50 s) but before the real one (100 s).
    now += 60_000;
    source.failing = new TokenError('timeout', 'token endpoint did not answer');
    expect(await provider.getToken()).toBe('tok-1');
    expect(lines.some((l) => l.includes('using the current token until it expires'))).toBe(true);
    now += 36_000;
    await expect(provider.getToken()).rejects.toBeInstanceOf(TokenError);
  });

  it('renews ahead of expiry in the background, one request per cycle for two replicas', async () => {
    const source = new FakeTokenSource(2, 5);
    const backend = createMemoryBackend();
    const a = replica(source, backend, { refreshAhead: true });
    const b = replica(source, backend, { refreshAhead: true });
    expect(await a.provider.getToken()).toBe('tok-1');
    expect(await b.provider.getToken()).toBe('tok-1');
    // Lifetime 2 s → shared TTL 1 s → renewal from ~0.7 s on.
    await expect.poll(() => source.calls, { timeout: 3_000, interval: 50 }).toBe(2);
    await expect.poll(() => b.provider.getToken(), { timeout: 3_000, interval: 50 }).toBe('tok-2');
    await expect.poll(() => a.provider.getToken(), { timeout: 3_000, interval: 50 }).toBe('tok-2');
    a.provider.close();
    b.provider.close();
    expect(source.calls).toBe(2);
  });

  it('refuses with not_configured when no credentials are set', async () => {
    const { provider } = replica(undefined, createMemoryBackend());
    await expect(provider.getToken()).rejects.toMatchObject({ reason: 'not_configured' });
    expect(provider.cachedTokenCount()).toBe(0);
  });

  it('still obtains tokens when the store is unreachable (coordination in this process only)', async () => {
    const source = new FakeTokenSource();
    const { provider, store, lines } = replica(source, createMemoryBackend());
    await store.close();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(source.calls).toBe(1);
    expect(lines.some((l) => l.includes('token store unavailable'))).toBe(true);
  });
});
