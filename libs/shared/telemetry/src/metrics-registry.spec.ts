import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TelemetryError } from './errors.js';
import {
  createMetricsRegistry,
  getOrCreateCounter,
  getOrCreateGauge,
  getOrCreateHistogram,
} from './metrics-registry.js';

describe('createMetricsRegistry', () => {
  it('labels every metric with the service and collects process metrics by default', async () => {
    const registry = createMetricsRegistry({ service: 'gateway' });
    getOrCreateCounter(registry, { name: 'tyk_requests_total', help: 'requests' }).inc();
    const text = await registry.metrics();
    expect(text).toContain('tyk_requests_total{service="gateway"} 1');
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="gateway"\}/);
  });

  it('can leave process metrics out', async () => {
    const registry = createMetricsRegistry({ service: 'gateway', collectDefaultMetrics: false });
    expect(await registry.metrics()).not.toContain('process_cpu');
  });

  it('gives each call its own registry', () => {
    const a = createMetricsRegistry({ service: 'a', collectDefaultMetrics: false });
    const b = createMetricsRegistry({ service: 'b', collectDefaultMetrics: false });
    getOrCreateGauge(a, { name: 'active_sessions_count', help: 'sessions' });
    expect(b.getSingleMetric('active_sessions_count')).toBeUndefined();
  });
});

describe('getOrCreate*', () => {
  const registry = () => createMetricsRegistry({ service: 's', collectDefaultMetrics: false });

  it('returns the same metric when asked twice', () => {
    const r = registry();
    const config = {
      name: 'mcp_tool_executions_total',
      help: 'tools',
      labelNames: ['tool', 'outcome'] as const,
    };
    const first = getOrCreateCounter(r, config);
    const second = getOrCreateCounter(r, { ...config, labelNames: ['outcome', 'tool'] as const });
    expect(second).toBe(first);
    expect(first).toBeInstanceOf(Counter);
    const h = getOrCreateHistogram(r, {
      name: 'oauth_token_refresh_duration_seconds',
      help: 'refresh',
    });
    expect(
      getOrCreateHistogram(r, { name: 'oauth_token_refresh_duration_seconds', help: 'refresh' }),
    ).toBe(h);
    const g = getOrCreateGauge(r, { name: 'cached_tokens_count', help: 'tokens' });
    expect(getOrCreateGauge(r, { name: 'cached_tokens_count', help: 'tokens' })).toBe(g);
  });

  it('throws METRIC_CONFLICT for a same-named metric of another type', () => {
    const r = registry();
    getOrCreateCounter(r, { name: 'thing', help: 'x' });
    const attempt = () => getOrCreateGauge(r, { name: 'thing', help: 'x' });
    expect(attempt).toThrow(TelemetryError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'METRIC_CONFLICT' }));
  });

  it('throws METRIC_CONFLICT for a same-named metric with other labels', () => {
    const r = registry();
    getOrCreateCounter(r, { name: 'thing_total', help: 'x', labelNames: ['a'] });
    expect(() =>
      getOrCreateCounter(r, { name: 'thing_total', help: 'x', labelNames: ['a', 'b'] }),
    ).toThrow(/labels \[a\], not \[a,b\]/);
    expect(() => getOrCreateCounter(r, { name: 'thing_total', help: 'x' })).toThrow(TelemetryError);
  });
});
