import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { parseJob } from '../actions/action-job.js';
import { createCollectorMetrics } from '../collector-metrics.js';
import { IncidentService } from '../incidents/incident-service.js';
import { RuleEngine } from './rule-engine.js';
import { parseRules } from './rules-loader.js';
import type { RulesProvider } from './rules-watcher.js';

const T0 = Date.parse('2025-05-01T10:00:00Z');
const ev = (over: Partial<AuditEvent>): AuditEvent => ({
  v: 1,
  event_id: randomUUID(),
  type: 'mcp.request',
  timestamp: new Date(T0).toISOString(),
  request_id: 'r',
  decision: 'allow',
  status: 200,
  duration_ms: 1,
  degraded: false,
  client_ip: '203.0.113.1',
  ...over,
});
const deny = (ip: string, at = T0) =>
  ev({
    decision: 'deny',
    reason: 'invalid_api_key',
    status: 401,
    client_ip: ip,
    timestamp: new Date(at).toISOString(),
  });

const RULES = `
webhooks:
  - { id: soc, url: "http://127.0.0.1:9/x", secret: "0123456789abcdef" }
rules:
  - id: brute
    priority: 10
    when: { all: [ { field: decision, eq: deny }, { field: reason, eq: invalid_api_key } ] }
    window: { seconds: 60, count: { gte: 3 } }
    cooldown_seconds: 600
    actions: { block_ip: { ttl_seconds: 60 }, webhooks: [soc] }
  - id: threat
    priority: 20
    final: true
    when: { field: threat_score, gte: 8 }
  - id: any-deny
    priority: 0
    when: { field: decision, eq: deny }
  - id: upstream-errors
    group_by: upstream
    when: { field: decision, eq: error }
    window: { seconds: 300, rate: { gt: 0.5 }, min_events: 4 }
`;

describe('rule engine', () => {
  let store: MemoryStateStore;
  let engine: RuleEngine;
  let incidents: IncidentService;

  beforeEach(() => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const rules = parseRules(RULES, 'rules.yaml');
    const provider: RulesProvider = { current: () => rules, lastError: () => undefined };
    const metrics = createCollectorMetrics(
      createMetricsRegistry({ service: 't', collectDefaultMetrics: false }),
    );
    incidents = new IncidentService(store, metrics, createLogger({ service: 't', level: 'error' }));
    engine = new RuleEngine(store, provider, incidents, metrics);
  });
  afterEach(async () => {
    await store.close();
  });

  const listed = async (rule: string) =>
    (await incidents.list({ rule, limit: 100 })).items.map((i) => i.item);
  const queuedJobs = async () => {
    await store.streamEnsureGroup('actions', 'probe');
    return (await store.streamReadGroup('actions', 'probe', 'p', { count: 100 })).map((e) =>
      parseJob(e.fields),
    );
  };

  it('fires a windowed count once per key and cooldown, and queues its actions once', async () => {
    await engine.evaluate([deny('203.0.113.9'), deny('203.0.113.9')], '1-0', T0);
    expect(await listed('brute')).toHaveLength(0);
    await engine.evaluate([deny('203.0.113.9', T0 + 1_000)], '2-0', T0);
    await engine.evaluate([deny('203.0.113.9', T0 + 2_000), deny('198.51.100.1')], '3-0', T0);
    const fired = await listed('brute');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      key: '203.0.113.9',
      observed: 3,
      actions: [
        { action: 'block_ip', target: 'gateway' },
        { action: 'webhook', target: 'soc' },
      ],
    });
    expect(fired[0]?.repeat_events).toBe(1);
    const jobs = await queuedJobs();
    expect(jobs.map((j) => j?.key)).toEqual([
      `${fired[0]!.incident_id}:block_ip:gateway`,
      `${fired[0]!.incident_id}:webhook:soc`,
    ]);
    expect(jobs[0]?.payload).toEqual({
      ip: '203.0.113.9',
      ttl_seconds: 60,
      reason: 'rule:brute',
      incident_id: fired[0]!.incident_id,
    });
  });

  it.each([
    ['2001:db8::7', ['2001:DB8:0:0:0:0:0:7', '2001:db8::7', '2001:0db8:0000::0007']],
    ['203.0.113.70', ['::ffff:203.0.113.70', '203.0.113.70', '::FFFF:CB00:7146']],
  ])(
    'counts the text forms of %s as one key; the incident and the block carry the canonical form',
    async (canonical, forms) => {
      for (const [i, ip] of forms.entries())
        await engine.evaluate([deny(ip, T0 + i)], `${i + 1}-0`, T0);
      const fired = await listed('brute');
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ key_field: 'client_ip', key: canonical, observed: 3 });
      const [block] = await queuedJobs();
      expect(block?.payload['ip']).toBe(canonical);
    },
  );

  it('finishes, not repeats, an incident when the entry that created it is redelivered', async () => {
    const batch = [deny('192.0.2.1'), deny('192.0.2.1'), deny('192.0.2.1')];
    await engine.evaluate(batch, '5-0', T0);
    await engine.evaluate(batch, '5-0', T0);
    expect(await listed('brute')).toHaveLength(1);
    expect(await queuedJobs()).toHaveLength(2);
  });

  it('forgets events older than the window', async () => {
    await engine.evaluate(
      [deny('192.0.2.2', T0 - 120_000), deny('192.0.2.2', T0 - 90_000)],
      '1-0',
      T0,
    );
    await engine.evaluate([deny('192.0.2.2', T0)], '2-0', T0);
    expect(await listed('brute')).toHaveLength(0);
  });

  it('fires plain rules per key, and a final rule stops lower-priority ones for that event', async () => {
    await engine.evaluate(
      [ev({ decision: 'deny', reason: 'x', threat_score: 9, client_ip: '192.0.2.7' })],
      '1-0',
      T0,
    );
    expect(await listed('threat')).toHaveLength(1);
    expect(await listed('any-deny')).toHaveLength(0);
    await engine.evaluate(
      [ev({ decision: 'deny', reason: 'x', client_ip: '192.0.2.8' })],
      '2-0',
      T0,
    );
    expect(await listed('any-deny')).toHaveLength(1);
  });

  it('fires a rate rule only above the rate and the minimum number of events', async () => {
    const up = (decision: 'allow' | 'error', i: number) =>
      ev({
        upstream: 'billing',
        decision,
        reason: decision === 'error' ? 'upstream_error' : undefined,
        status: decision === 'error' ? 502 : 200,
        timestamp: new Date(T0 + i).toISOString(),
      });
    await engine.evaluate([up('error', 1), up('error', 2), up('allow', 3)], '1-0', T0);
    expect(await listed('upstream-errors')).toHaveLength(0);
    await engine.evaluate([up('allow', 4), up('error', 5)], '2-0', T0);
    const fired = await listed('upstream-errors');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ key_field: 'upstream', key: 'billing', observed: 0.6 });
  });
});
