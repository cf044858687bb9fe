import { describe, expect, it } from 'vitest';
import { riskLevelForScore, threatVerdictSchema } from '@mcpgw/tool-schemas';
import { BrokerClient, metricsText, sampleSum, simStats } from './support/processes.js';
import { useSimulatedBroker } from './support/simulated-broker.js';

describe('broker API against the simulator (memory store)', () => {
  const stack = useSimulatedBroker();
  const bodies = stack.bodies;

  it('answers ThreatVerdicts that satisfy the contract, with riskLevelForScore', async () => {
    for (const [type, target, score] of [
      ['ip', '203.0.113.9', 9],
      ['ip', '203.0.113.10', 10],
      ['ip', '198.51.100.5', 5],
      ['ip', '192.0.2.1', 0],
      ['ip', '2001:db8:bad::1', 9],
      ['domain', 'cdn.malware.example', 9],
      ['domain', 'example.com', 0],
    ] as const) {
      const answer = await stack.client.lookup(type, target);
      expect(answer.status).toBe(200);
      expect(threatVerdictSchema.validate(answer.body).error).toBeUndefined();
      expect(answer.body).toMatchObject({
        target,
        type,
        threat_score: score,
        cached: false,
        stale: false,
        degraded: false,
      });
      expect(answer.body['risk_level']).toBe(riskLevelForScore(score));
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  it('serves the second lookup from the cache, also for another spelling of the same host', async () => {
    const mapped = await stack.client.lookup('ip', '::ffff:203.0.113.9');
    expect(mapped.body).toMatchObject({ target: '203.0.113.9', cached: true, stale: false });
    expect(mapped.headers['x-broker-verdict-source']).toBe('cache');
    const idn = await stack.client.lookup('domain', 'аррӏе.com');
    expect(idn.body).toMatchObject({
      target: 'xn--80ak6aa92e.com',
      threat_score: 9,
      risk_level: 'critical',
    });
  });

  it('refuses calls without the service token (401) and never looks them up', async () => {
    const before = await simStats(stack.sim.url);
    const anonymous = new BrokerClient(stack.broker.url, 4, '');
    const wrong = new BrokerClient(stack.broker.url, 4, 'svc-not-the-right-token-000000');
    for (const c of [anonymous, wrong]) {
      const answer = await c.lookup('ip', '203.0.113.11');
      expect(answer.status).toBe(401);
      expect(answer.body['error']).toBe('UNAUTHORIZED');
      bodies.push(JSON.stringify(answer.body));
      c.close();
    }
    expect((await simStats(stack.sim.url)).lookups).toBe(before.lookups);
  });

  it('answers invalid targets with 400 naming the problem, and never reaches the simulator', async () => {
    const before = await simStats(stack.sim.url);
    const cases: Array<[string, RegExp]> = [
      ['/v1/threat/ip/999.1.1.1', /not a valid IPv4 address/],
      ['/v1/threat/domain/..%2Fetc', /letters, digits, hyphens and dots only/],
      ['/v1/threat/ip/..%2Fetc', /must be an IPv4 or IPv6 address/],
      [`/v1/threat/domain/${'a'.repeat(300)}.example`, /longer than 253/],
      [`/v1/threat/domain/${'a'.repeat(70)}.example`, /label 1 is longer than 63/],
      ['/v1/threat/ip/', /target is required/],
      ['/v1/threat/domain', /target is required/],
      ['/v1/threat/ip/%E0%A4%A', /percent-encoding/],
      ['/v1/threat/url/example.com', /type must be "ip" or "domain"/],
    ];
    for (const [path, message] of cases) {
      const answer = await stack.client.get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body).toMatchObject({
        error: 'BRK_ERR_INVALID_TARGET',
        message: expect.stringMatching(message),
      });
      expect(answer.body['details']).toEqual([
        expect.objectContaining({ field: expect.stringMatching(/^(target|type)$/) }),
      ]);
      bodies.push(JSON.stringify(answer.body));
    }
    expect((await simStats(stack.sim.url)).lookups).toBe(before.lookups);
  });

  it('looks up batches of up to 100 targets in order, and refuses 101 or an invalid item', async () => {
    const targets = Array.from({ length: 100 }, (_, i) => ({
      type: 'ip',
      target: `198.51.100.${i + 100}`,
    }));
    const ok = await stack.client.batch({ targets });
    expect(ok.status).toBe(200);
    const verdicts = ok.body['verdicts'] as Array<Record<string, unknown>>;
    expect(verdicts.map((v) => v['target'])).toEqual(targets.map((t) => t.target));
    for (const verdict of verdicts)
      expect(threatVerdictSchema.validate(verdict).error).toBeUndefined();

    const before = await simStats(stack.sim.url);
    const tooMany = await stack.client.batch({
      targets: [...targets, { type: 'ip', target: '192.0.2.200' }],
    });
    expect(tooMany).toMatchObject({
      status: 400,
      body: { message: 'targets must contain at most 100 items' },
    });
    const bad = await stack.client.batch({
      targets: [
        { type: 'ip', target: '192.0.2.201' },
        { type: 'domain', target: '../etc' },
      ],
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'BRK_ERR_INVALID_TARGET', details: [{ field: 'targets[1].target' }] },
    });
    expect((await simStats(stack.sim.url)).lookups).toBe(before.lookups);
  });

  it('forwards the caller trace to SentraIP (traceparent)', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await stack.client.lookup('ip', '192.0.2.77', {
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    await expect
      .poll(() =>
        stack.sim.logRecords().find((r) => r['path'] === '/v1/threat-intelligence/ip/192.0.2.77'),
      )
      .toMatchObject({ trace_id: traceId });
    await expect
      .poll(() => stack.broker.logRecords().find((r) => r['path'] === '/v1/threat/ip/192.0.2.77'))
      .toMatchObject({ trace_id: traceId });
  });

  it('exposes the promised metrics', async () => {
    const text = await metricsText(stack.broker.url);
    expect(
      sampleSum(text, 'sentraip_requests_total', { endpoint: 'lookup', outcome: 'success' }),
    ).toBeGreaterThan(0);
    expect(
      sampleSum(text, 'sentraip_requests_total', { endpoint: 'token', outcome: 'success' }),
    ).toBe(1);
    expect(
      sampleSum(text, 'oauth_token_refresh_duration_seconds_count', { outcome: 'success' }),
    ).toBe(1);
    expect(sampleSum(text, 'cached_tokens_count')).toBe(1);
    expect(sampleSum(text, 'threat_cache_hits_total')).toBeGreaterThan(0);
    expect(sampleSum(text, 'threat_cache_misses_total')).toBeGreaterThan(0);
    expect(text).toMatch(/circuit_breaker_state\{[^}]*breaker="sentraip"[^}]*\} 0/);
    expect(text).toMatch(/bulkhead_active\{[^}]*bulkhead="sentraip"/);
    bodies.push(text, await metricsText(stack.sim.url));
  });

  it('leaks no secret or token into logs, metrics or error bodies', () => {
    stack.expectNoLeaks();
    expect(stack.broker.lines().length).toBeGreaterThan(10);
  });
});
