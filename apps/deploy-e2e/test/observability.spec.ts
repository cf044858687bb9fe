import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCompose } from './support/compose.js';
import { metricExists, metricsIn, registeredMetrics } from './support/metrics.js';
import { imageApps, readYaml, ROOT } from './support/repo.js';

interface AlertRule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}
interface Panel {
  title: string;
  type: string;
  datasource: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Array<{ expr: string; refId: string }>;
}

const registered = registeredMetrics();
const alertRules = (): AlertRule[] =>
  (
    (readYaml('deploy/prometheus/alerts.yml') as { groups: Array<{ rules: AlertRule[] }> })
      .groups ?? []
  ).flatMap((g) => g.rules);
const dashboards = (): Array<{
  file: string;
  json: { uid: string; title: string; panels: Panel[] };
}> =>
  readdirSync(join(ROOT, 'deploy/grafana/dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({
      file,
      json: JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards', file), 'utf8')) as {
        uid: string;
        title: string;
        panels: Panel[];
      },
    }));

describe('metric name extraction', () => {
  it('finds the selected metrics and nothing else', () => {
    expect(
      metricsIn(
        'sum by (le, route) (rate(http_request_duration_seconds_bucket{service="gateway", a=~"x|y"}[5m])) / 1e-9',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricsIn('max(a_total) == 2 and on (x) b_seconds_count unless c').sort()).toEqual([
      'a_total',
      'b_seconds_count',
      'c',
    ]);
    expect(metricExists('oauth_token_refresh_duration_seconds_count', registered)).toBe(true);
    expect(metricExists('no_such_metric_total', registered)).toBe(false);
  });
});

describe('OpenTelemetry Collector config', () => {
  const config = readYaml('deploy/otel-collector/config.yaml') as Record<
    string,
    Record<string, unknown>
  >;
  const pipelines = (config['service']?.['pipelines'] ?? {}) as Record<
    string,
    { receivers: string[]; processors: string[]; exporters: string[] }
  >;

  it('receives OTLP, processes with memory limiter, resource, attributes and batch, exports to Jaeger and Prometheus', () => {
    const traces = pipelines['traces'];
    expect(traces?.receivers).toEqual(['otlp']);
    expect(traces?.processors[0]).toBe('memory_limiter');
    expect(traces?.processors[traces.processors.length - 1]).toBe('batch');
    expect(traces?.processors).toEqual(expect.arrayContaining(['resource', 'attributes/scrub']));
    expect(traces?.exporters).toContain('otlp/jaeger');
    expect(pipelines['metrics']?.exporters).toContain('prometheus');
  });

  it('defines every component a pipeline names, listens where the services send', () => {
    const defined = (section: string) => Object.keys((config[section] ?? {}) as object);
    for (const p of Object.values(pipelines)) {
      for (const r of p.receivers)
        expect([...defined('receivers'), ...defined('connectors')]).toContain(r);
      for (const x of p.processors) expect(defined('processors')).toContain(x);
      for (const e of p.exporters)
        expect([...defined('exporters'), ...defined('connectors')]).toContain(e);
    }
    const http = (
      config['receivers']?.['otlp'] as Record<string, Record<string, { endpoint: string }>>
    )['protocols']?.['http']?.endpoint;
    expect(http).toBe('0.0.0.0:4318');
    const compose = readCompose(new Proxy({}, { get: () => 'x' }));
    for (const app of imageApps().filter((a) => a !== 'sandbox-log-analysis')) {
      expect(
        (compose.services[app]?.environment as Record<string, string>)[
          'OTEL_EXPORTER_OTLP_ENDPOINT'
        ],
      ).toBe('http://otel-collector:4318');
    }
    expect(String((config['exporters']?.['otlp/jaeger'] as { endpoint: string }).endpoint)).toBe(
      'jaeger:4317',
    );
  });
});

describe('Prometheus', () => {
  it('scrapes every service the sandbox aside, by the service name and port compose uses', () => {
    const prom = readYaml('deploy/prometheus/prometheus.yml') as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const jobs = Object.fromEntries(
      prom.scrape_configs.map((s) => [s.job_name, s.static_configs[0]?.targets[0]]),
    );
    const compose = readCompose(new Proxy({}, { get: () => 'x' }));
    for (const app of imageApps()) {
      if (app === 'sandbox-log-analysis') expect(jobs[app]).toBeUndefined();
      else
        expect(jobs[app]).toBe(
          `${app}:${String((compose.services[app]?.environment as Record<string, string | number>)['PORT'])}`,
        );
    }
  });

  it('alerts on error rate, open breakers, rate-limit store errors, audit lag and token refresh failures', () => {
    const rules = alertRules();
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'HighErrorRate',
        'CircuitBreakerOpen',
        'RateLimitStoreErrors',
        'AuditIngestBacklog',
        'AuditIngestionLag',
        'TokenRefreshFailures',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toBeTruthy();
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
    expect(rules.find((r) => r.alert === 'CircuitBreakerOpen')?.expr).toMatch(
      /circuit_breaker_state\)?\s*==\s*2/,
    );
  });

  it('uses only metrics the services register (checked against the source)', () => {
    const unknown = alertRules().flatMap((r) =>
      metricsIn(String(r.expr))
        .filter((m) => !metricExists(m, registered))
        .map((m) => `${r.alert}: ${m}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('Grafana', () => {
  it('provisions Prometheus and Jaeger with the uids the dashboards use, and the dashboards folder', () => {
    const ds = readYaml('deploy/grafana/provisioning/datasources/datasources.yaml') as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(ds.datasources.map((d) => [d.uid, d.type, d.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus:9090'],
      ['jaeger', 'jaeger', 'http://jaeger:16686'],
    ]);
    const providers = readYaml('deploy/grafana/provisioning/dashboards/dashboards.yaml') as {
      providers: Array<{ options: { path: string } }>;
    };
    const compose = readCompose(new Proxy({}, { get: () => 'x' }));
    const mounts = (compose.services['grafana']?.['volumes'] as string[]).map(
      (v) => v.split(':')[1],
    );
    expect(mounts).toContain(providers.providers[0]?.options.path);
  });

  it('has one dashboard per concern, regenerated from deploy/grafana/dashboards.mjs', async () => {
    const generator = (await import(
      pathToFileURL(join(ROOT, 'deploy/grafana/dashboards.mjs')).href
    )) as { renderAll: () => Record<string, string> };
    const expected = generator.renderAll();
    expect(Object.keys(expected).sort()).toEqual([
      'chat-tokens.json',
      'collector.json',
      'gateway-traffic.json',
      'threat-blocking.json',
      'token-broker.json',
      'upstream-health.json',
    ]);
    for (const { file } of dashboards())
      expect(
        readFileSync(join(ROOT, 'deploy/grafana/dashboards', file), 'utf8'),
        `${file} is stale: run node deploy/grafana/dashboards.mjs`,
      ).toBe(expected[file]);
    expect(
      dashboards()
        .map((d) => d.file)
        .sort(),
    ).toEqual(Object.keys(expected).sort());
  });

  it('queries only registered metrics, from the provisioned data source, in panels that do not overlap', () => {
    const problems: string[] = [];
    const uids = new Set<string>();
    for (const { file, json } of dashboards()) {
      expect(uids.has(json.uid), `${file}: duplicate uid`).toBe(false);
      uids.add(json.uid);
      const cells = new Set<string>();
      for (const panel of json.panels) {
        expect(panel.datasource.uid).toBe('prometheus');
        expect(panel.targets.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        const cell = `${panel.gridPos.x},${panel.gridPos.y}`;
        expect(cells.has(cell), `${file}: ${panel.title} overlaps`).toBe(false);
        cells.add(cell);
        for (const t of panel.targets)
          for (const m of metricsIn(t.expr))
            if (!metricExists(m, registered)) problems.push(`${file} / ${panel.title}: ${m}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
