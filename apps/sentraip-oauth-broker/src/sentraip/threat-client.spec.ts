import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import {
  hang,
  json,
  startFakeSentraip,
  type FakeSentraip,
} from '../../test/support/fake-sentraip.js';
import { capturingLogger, metricValue, testRegistry } from '../../test/support/fakes.js';
import { SentraipError } from '../errors.js';
import { LogThrottle } from '../log-throttle.js';
import { createBrokerMetrics } from '../metrics.js';
import { SharedTokenCache } from '../tokens/shared-token-cache.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { createSentraipHttp, type SentraipHttp } from './http-client.js';
import { ThreatClient, type ThreatClientOptions } from './threat-client.js';

const VERDICT = {
  threat_score: 9,
  categories: ['botnet'],
  last_updated: '2025-06-01T12:45:00Z',
  sources: ['feed'],
};
const target = { type: 'ip' as const, target: '203.0.113.9' };

describe('ThreatClient', () => {
  let fake: FakeSentraip;
  let http: SentraipHttp;
  let issued: number;
  let clients: ThreatClient[] = [];

  beforeAll(async () => {
    fake = await startFakeSentraip();
    http = createSentraipHttp(fake.url, { maxSockets: 16 });
  });
  afterAll(async () => {
    http.close();
    await fake.close();
  });
  afterEach(() => {
    for (const c of clients) c.close();
    clients = [];
    fake.requests.length = 0;
  });

  function build(overrides: Partial<ThreatClientOptions> = {}) {
    issued = 0;
    const registry = testRegistry();
    const { logger } = capturingLogger();
    const metrics = createBrokerMetrics(registry);
    const warn = new LogThrottle(logger);
    const tokens = new TokenProvider({
      client: {
        fetch: async () => ({
          access_token: `tok-${++issued}`,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      },
      cache: new SharedTokenCache(new MemoryStateStore({ keyPrefix: 'brk:' }), 'c', warn),
      metrics,
      logger,
      warn,
      backoffMs: 1000,
      refreshAhead: false,
      fetchDeadlineMs: 1000,
    });
    const client = new ThreatClient({
      http,
      tokens,
      metrics,
      registry,
      logger,
      timeoutMs: 300,
      retries: 2,
      deadlineMs: 3_000,
      maxConcurrent: 4,
      maxQueue: 100,
      breakerResetMs: 60_000,
      baseDelayMs: 10,
      ...overrides,
    });
    clients.push(client);
    return { client, registry };
  }

  it('looks a target up with the bearer token and normalises the answer', async () => {
    fake.handle((_req, res) => json(res, 200, VERDICT));
    const { client, registry } = build();
    expect(await client.lookup(target)).toMatchObject({
      target: '203.0.113.9',
      threat_score: 9,
      risk_level: 'critical',
    });
    expect(fake.requests[0]).toMatchObject({
      method: 'GET',
      url: '/v1/threat-intelligence/ip/203.0.113.9',
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer tok-1');
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'success',
      }),
    ).toBe(1);
  });

  it('encodes IPv6 targets in the path', async () => {
    fake.handle((_req, res) => json(res, 200, VERDICT));
    const { client } = build();
    await client.lookup({ type: 'ip', target: '2001:db8::1' });
    expect(fake.requests[0]?.url).toBe('/v1/threat-intelligence/ip/2001%3Adb8%3A%3A1');
  });

  it('on 401 drops the token, obtains a new one and tries exactly once more', async () => {
    fake.handle((req, res) =>
      req.headers.authorization === 'Bearer tok-1'
        ? json(res, 401, { error: 'invalid_token' })
        : json(res, 200, VERDICT),
    );
    const { client } = build();
    expect((await client.lookup(target)).threat_score).toBe(9);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
    fake.handle((_req, res) => json(res, 401, { error: 'invalid_token' }));
    await expect(client.lookup(target)).rejects.toMatchObject({ reason: 'unauthorized' });
    expect(fake.requests).toHaveLength(4);
  });

  it('retries 5xx with backoff, a bounded number of times', async () => {
    fake.handle((_req, res) => json(res, 503, { error: 'unavailable' }));
    const { client } = build();
    await expect(client.lookup(target)).rejects.toMatchObject({
      code: 'RES_ERR_RETRIES_EXHAUSTED',
      cause: expect.any(SentraipError),
    });
    expect(fake.requests).toHaveLength(3);
  });

  it('never retries a 4xx', async () => {
    fake.handle((_req, res) => json(res, 404, { error: 'not_found' }));
    const { client } = build();
    await expect(client.lookup(target)).rejects.toMatchObject({
      reason: 'client_error',
      status: 404,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    let calls = 0;
    fake.handle((_req, res) =>
      ++calls === 1
        ? json(res, 429, { error: 'rate_limited' }, { 'retry-after': '1' })
        : json(res, 200, VERDICT),
    );
    const { client, registry } = build();
    const started = performance.now();
    expect((await client.lookup(target)).threat_score).toBe(9);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'rate_limited',
      }),
    ).toBe(1);
  });

  it('gives up at once when Retry-After lies beyond the deadline', async () => {
    fake.handle((_req, res) =>
      json(res, 429, { error: 'rate_limited' }, { 'retry-after': '3600' }),
    );
    const { client } = build();
    const started = performance.now();
    await expect(client.lookup(target)).rejects.toMatchObject({ reason: 'deadline_exceeded' });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('aborts a hanging request at the per-attempt timeout', async () => {
    fake.handle(hang);
    const { client, registry } = build({ retries: 0 });
    const started = performance.now();
    await expect(client.lookup(target)).rejects.toMatchObject({
      code: 'RES_ERR_RETRIES_EXHAUSTED',
      cause: { code: 'RES_ERR_TIMEOUT' },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect.poll(() => fake.aborted).toBeGreaterThanOrEqual(1);
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'timeout',
      }),
    ).toBe(1);
  });

  it('opens the breaker after repeated failures and then fails fast without calling', async () => {
    fake.handle((_req, res) => json(res, 500, { error: 'boom' }));
    const { client, registry } = build({ retries: 0 });
    for (let i = 0; i < 6; i++) await client.lookup(target).catch(() => undefined);
    expect(client.breakerState).toBe('open');
    const before = fake.requests.length;
    await expect(client.lookup(target)).rejects.toMatchObject({ code: 'RES_ERR_BREAKER_OPEN' });
    expect(fake.requests.length).toBe(before);
    expect(await metricValue(registry, 'circuit_breaker_state', { breaker: 'sentraip' })).toBe(2);
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'lookup',
        outcome: 'breaker_open',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps concurrency within the bulkhead', async () => {
    fake.handle((_req, res) => void setTimeout(() => json(res, 200, VERDICT), 50));
    const { client } = build({ maxConcurrent: 3 });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.lookup({ type: 'ip', target: `192.0.2.${i}` })),
    );
    expect(fake.maxInFlight).toBeLessThanOrEqual(3);
  });
});
