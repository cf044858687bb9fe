#!/usr/bin/env node
// Grafana dashboards as code: one dashboard per concern, written to deploy/grafana/dashboards/.
//   node deploy/grafana/dashboards.mjs          # regenerate the JSON files
// Every query filters on the `service` label that each service's metrics registry adds, so the
// dashboards work with any scrape job naming (docker compose or Kubernetes).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DS = { type: 'prometheus', uid: 'prometheus' };
const p = (q, metric, by = '', filter = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket${filter}[5m])))`;

/** One time-series panel; `targets` are [expr, legend] pairs. */
function ts(title, unit, targets, description) {
  return { type: 'timeseries', title, description, unit, targets };
}
function stat(title, unit, expr, description) {
  return { type: 'stat', title, description, unit, targets: [[expr, '']] };
}

export const DASHBOARDS = [
  {
    uid: 'mcpgw-gateway-traffic',
    title: 'MCP gateway: traffic and decisions',
    panels: [
      ts('HTTP requests by status', 'reqps', [
        [
          'sum by (status_code) (rate(http_requests_total{service="gateway"}[5m]))',
          '{{status_code}}',
        ],
      ]),
      ts('HTTP latency', 's', [
        [p(0.5, 'http_request_duration_seconds', '', '{service="gateway"}'), 'p50'],
        [p(0.95, 'http_request_duration_seconds', '', '{service="gateway"}'), 'p95'],
        [p(0.99, 'http_request_duration_seconds', '', '{service="gateway"}'), 'p99'],
      ]),
      ts('MCP requests by method and outcome', 'reqps', [
        [
          'sum by (method, outcome) (rate(mcp_request_duration_seconds_count{service="gateway"}[5m]))',
          '{{method}} {{outcome}}',
        ],
      ]),
      ts(
        'Decisions other than allow (denials and errors) by reason',
        'reqps',
        [
          [
            'sum by (outcome) (rate(mcp_request_duration_seconds_count{service="gateway", outcome!~"ok|tool_error"}[5m]))',
            '{{outcome}}',
          ],
        ],
        'outcome is the low-cardinality reason of the denial or error (rate_limited_*, store_unavailable, threat_blocked, ...)',
      ),
      ts('Tool executions by tool and outcome', 'reqps', [
        [
          'sum by (tool, outcome) (rate(mcp_tool_executions_total{service="gateway"}[5m]))',
          '{{tool}} {{outcome}}',
        ],
      ]),
      ts('MCP latency by method (p95)', 's', [
        [p(0.95, 'mcp_request_duration_seconds', 'method', '{service="gateway"}'), '{{method}}'],
      ]),
      ts('Requests in flight', 'short', [
        ['sum(http_requests_in_flight{service="gateway"})', 'in flight'],
      ]),
      ts('Rejections: 401 / 403 / 429 / 503', 'reqps', [
        [
          'sum by (status_code) (rate(http_requests_total{service="gateway", status_code=~"401|403|429|503"}[5m]))',
          '{{status_code}}',
        ],
      ]),
    ],
  },
  {
    uid: 'mcpgw-upstream-health',
    title: 'MCP gateway: upstream health',
    panels: [
      ts('Circuit breaker state (0 closed, 1 half-open, 2 open)', 'short', [
        ['max by (service, breaker) (circuit_breaker_state)', '{{service}} {{breaker}}'],
      ]),
      ts('Circuit breaker events', 'ops', [
        [
          'sum by (breaker, event) (rate(circuit_breaker_events_total[5m]))',
          '{{breaker}} {{event}}',
        ],
      ]),
      ts('Tool executions by upstream and outcome', 'reqps', [
        [
          'sum by (upstream, outcome) (rate(mcp_tool_executions_total{service="gateway"}[5m]))',
          '{{upstream}} {{outcome}}',
        ],
      ]),
      ts('Upstream failures (timeouts, unavailable, breaker open)', 'reqps', [
        [
          'sum by (upstream, outcome) (rate(mcp_tool_executions_total{service="gateway", outcome=~"upstream.*|breaker_open"}[5m]))',
          '{{upstream}} {{outcome}}',
        ],
      ]),
      ts('Bulkheads: active and queued', 'short', [
        ['sum by (service, bulkhead) (bulkhead_active)', 'active {{service}} {{bulkhead}}'],
        ['sum by (service, bulkhead) (bulkhead_queued)', 'queued {{service}} {{bulkhead}}'],
      ]),
      ts('Bulkhead rejections', 'ops', [
        [
          'sum by (service, bulkhead) (rate(bulkhead_rejections_total[5m]))',
          '{{service}} {{bulkhead}}',
        ],
      ]),
      ts(
        'Reference upstream: tool executions',
        'ops',
        [
          [
            'sum by (tool, outcome) (rate(mcp_tool_executions_total{service="sandbox-log-analysis"}[5m]))',
            '{{tool}} {{outcome}}',
          ],
        ],
        'Empty where the sandbox is isolated from the scraper (Kubernetes NetworkPolicy).',
      ),
    ],
  },
  {
    uid: 'mcpgw-threat-blocking',
    title: 'MCP gateway: threat blocking',
    panels: [
      ts('Requests blocked by the IP gate', 'reqps', [
        [
          'sum by (outcome) (rate(mcp_request_duration_seconds_count{service="gateway", outcome=~"threat_blocked|ip_.*"}[5m]))',
          '{{outcome}}',
        ],
      ]),
      ts('403 answers', 'reqps', [
        ['sum(rate(http_requests_total{service="gateway", status_code="403"}[5m]))', '403'],
      ]),
      ts('Reputation checks passed through without a verdict (fail-open)', 'ops', [
        ['sum by (reason) (rate(gateway_ip_reputation_degraded_total[5m]))', '{{reason}}'],
      ]),
      ts('Broker lookups by source', 'ops', [
        ['sum by (type, source) (rate(threat_lookups_total[5m]))', '{{type}} {{source}}'],
      ]),
      ts('Rules matched', 'ops', [['sum by (rule) (rate(rules_matched_total[5m]))', '{{rule}}']]),
      ts('Incident actions by outcome', 'ops', [
        ['sum by (action, outcome) (rate(actions_total[5m]))', '{{action}} {{outcome}}'],
      ]),
    ],
  },
  {
    uid: 'mcpgw-token-broker',
    title: 'SentraIP OAuth broker',
    panels: [
      ts('Token refreshes by outcome', 'ops', [
        ['sum by (outcome) (rate(oauth_token_refresh_duration_seconds_count[5m]))', '{{outcome}}'],
      ]),
      ts('Token refresh duration', 's', [
        [p(0.5, 'oauth_token_refresh_duration_seconds'), 'p50'],
        [p(0.95, 'oauth_token_refresh_duration_seconds'), 'p95'],
      ]),
      stat('Cached tokens', 'short', 'sum(cached_tokens_count)'),
      ts('SentraIP calls by endpoint and outcome', 'reqps', [
        [
          'sum by (endpoint, outcome) (rate(sentraip_requests_total[5m]))',
          '{{endpoint}} {{outcome}}',
        ],
      ]),
      ts('Verdict cache hit ratio', 'percentunit', [
        [
          'sum(rate(threat_cache_hits_total[5m])) / clamp_min(sum(rate(threat_cache_hits_total[5m])) + sum(rate(threat_cache_misses_total[5m])), 1e-9)',
          'hit ratio',
        ],
      ]),
      ts('Degraded lookups by reason', 'ops', [
        ['sum by (reason) (rate(threat_lookups_degraded_total[5m]))', '{{reason}}'],
      ]),
      ts('Broker HTTP latency (p95)', 's', [
        [
          p(0.95, 'http_request_duration_seconds', 'route', '{service="sentraip-oauth-broker"}'),
          '{{route}}',
        ],
      ]),
    ],
  },
  {
    uid: 'mcpgw-collector',
    title: 'Analytics collector',
    panels: [
      ts('Events ingested', 'ops', [['sum(rate(events_ingested_total[5m]))', 'ingested']]),
      ts('Events rejected by reason', 'ops', [
        ['sum by (reason) (rate(events_rejected_total[5m]))', '{{reason}}'],
      ]),
      ts('Ingest backlog (batches)', 'short', [['max(ingest_backlog_entries)', 'backlog']]),
      ts('Ingestion lag', 's', [
        [p(0.5, 'ingestion_lag_seconds'), 'p50'],
        [p(0.99, 'ingestion_lag_seconds'), 'p99'],
      ]),
      ts('Batches processed by outcome', 'ops', [
        ['sum by (outcome) (rate(ingest_entries_processed_total[5m]))', '{{outcome}}'],
      ]),
      ts('Events left out of aggregates', 'ops', [
        ['sum by (reason) (rate(events_not_aggregated_total[5m]))', '{{reason}}'],
      ]),
      ts('Webhook failures', 'ops', [
        ['sum by (target, reason) (rate(webhook_failures_total[5m]))', '{{target}} {{reason}}'],
      ]),
      ts('Rules file reloads', 'ops', [
        ['sum by (outcome) (rate(rules_reloads_total[5m]))', '{{outcome}}'],
      ]),
    ],
  },
  {
    uid: 'mcpgw-chat-tokens',
    title: 'Chat client: tokens and answers',
    panels: [
      ts('Tokens by direction and model', 'short', [
        [
          'sum by (direction, model) (rate(chat_tokens_total[5m])) * 60',
          '{{direction}} {{model}} /min',
        ],
      ]),
      stat('Tokens in the last 24 h', 'short', 'sum(increase(chat_tokens_total[24h]))'),
      ts('Model calls by outcome', 'ops', [
        ['sum by (model, outcome) (rate(chat_model_calls_total[5m]))', '{{model}} {{outcome}}'],
      ]),
      ts('Answer time', 's', [
        [p(0.5, 'chat_request_duration_seconds'), 'p50'],
        [p(0.95, 'chat_request_duration_seconds'), 'p95'],
      ]),
      ts('Tool calls through the gateway', 'ops', [
        ['sum by (tool, outcome) (rate(chat_tool_calls_total[5m]))', '{{tool}} {{outcome}}'],
      ]),
      ts('Degraded (offline) answers by reason', 'ops', [
        ['sum by (reason) (rate(chat_degraded_answers_total[5m]))', '{{reason}}'],
      ]),
    ],
  },
];

/** The Grafana dashboard JSON model of one definition (two panels per row, 8 units high). */
export function renderDashboard(def) {
  return {
    uid: def.uid,
    title: def.title,
    tags: ['mcpgw'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    templating: { list: [] },
    annotations: { list: [] },
    panels: def.panels.map((panel, i) => ({
      id: i + 1,
      type: panel.type,
      title: panel.title,
      ...(panel.description ? { description: panel.description } : {}),
      datasource: DS,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      options:
        panel.type === 'stat'
          ? { reduceOptions: { calcs: ['lastNotNull'] } }
          : { legend: { displayMode: 'list', placement: 'bottom' } },
      targets: panel.targets.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DS,
        expr,
        legendFormat,
      })),
    })),
  };
}

/** File name -> JSON text of every dashboard. */
export function renderAll() {
  return Object.fromEntries(
    DASHBOARDS.map((d) => [
      `${d.uid.replace(/^mcpgw-/, '')}.json`,
      `${JSON.stringify(renderDashboard(d), null, 2)}\n`,
    ]),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'dashboards');
  for (const [file, text] of Object.entries(renderAll())) writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote ${Object.keys(renderAll()).join(', ')}\n`);
}
