import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BREAKER_STATE_VALUE } from '@mcpgw/resilience';
import { describeWithRedis, getFreePort, type ServiceProcess } from '@mcpgw/testing';
import { collectorClient, metricValue, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { rulesDir, startCollectorProcess } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const SECRET = 'pager-secret-0123456789abcdef';

const rules = (downUrl: string, closedUrl: string) => `
webhooks:
  - id: pager
    url: ${downUrl}/hook
    secret: ${SECRET}
    timeout_ms: 1000
    retries: 6
    backoff: { base_ms: 100, max_ms: 400 }
    deadline_ms: 20000
    breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_ms: 60000 }
  - id: closed
    url: ${closedUrl}/hook
    secret: ${SECRET}
    retries: 2
    backoff: { base_ms: 50, max_ms: 100 }
rules:
  - id: high-threat
    description: Threat score of 8 or more
    severity: critical
    when: { field: threat_score, gte: 8 }
    actions:
      webhooks: [pager, closed]
`;

describeWithRedis('webhook target down (real process)', (redis) => {
  let down: Receiver;
  let proc: ServiceProcess;
  let client: CollectorClient;
  let dir: Awaited<ReturnType<typeof rulesDir>>;

  beforeAll(async () => {
    [down, dir] = await Promise.all([startReceiver(503), rulesDir()]);
    await dir.write(rules(down.url, `http://127.0.0.1:${await getFreePort()}`));
    proc = await startCollectorProcess({ REDIS_URL: redis.url, COLLECTOR_CONFIG: dir.file });
    client = collectorClient(proc.url);
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
    await Promise.all([down?.close(), dir?.cleanup()]);
  });

  it('retries with backoff, opens the breaker, dead-letters the delivery and keeps ingesting', async () => {
    const fired = await client.postEvents([
      makeEvent({ threat_score: 9.5, client_ip: '192.0.2.66', api_id: 'hook-api' }),
    ]);
    expect(fired.body['accepted']).toBe(1);

    // Ingestion while the deliveries fail: every batch is acknowledged quickly and counted.
    const ackMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const res = await client.postEvents(
        Array.from({ length: 20 }, () => makeEvent({ api_id: 'hook-api' })),
      );
      ackMs.push(Date.now() - started);
      expect(res.status).toBe(200);
    }
    expect(Math.max(...ackMs)).toBeLessThan(1_000);
    await waitFor(
      async () =>
        (await client.analytics('hook-api')).body['total_requests'] === 201 ? true : undefined,
      10_000,
    );

    const letters = await waitFor(
      async () => {
        const list = (await client.deadLetters()).body['dead_letters'] as Array<
          Record<string, unknown>
        >;
        return list.length === 2 ? list : undefined;
      },
      30_000,
      100,
    );
    const pager = letters.find((l) => l['target'] === 'pager')!;
    const closed = letters.find((l) => l['target'] === 'closed')!;
    expect(pager).toMatchObject({ action: 'webhook', attempts: 7, reason: 'breaker_open' });
    expect(closed).toMatchObject({ action: 'webhook', attempts: 3, reason: 'network' });
    expect(pager['incident_id']).toBe(closed['incident_id']);

    // The breaker let only the first attempts through; the rest were refused without a call.
    expect(down.requests.length).toBe(3);
    const ids = new Set(down.requests.map((r) => r.headers['x-webhook-id']));
    expect(ids).toEqual(new Set([`${String(pager['incident_id'])}:webhook:pager`]));
    for (const r of down.requests)
      expect(r.headers['x-signature-256']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`,
      );

    // Exponential backoff: the cap of each wait doubles up to backoff.max_ms.
    const caps = proc
      .logRecords()
      .filter((r) => r['message'] === 'action attempt failed; retrying' && r['target'] === 'pager')
      .map((r) => r['backoff_cap_ms']);
    expect(caps).toEqual([100, 200, 400, 400, 400, 400]);

    // The metric is counted after the outcome's other writes: wait for the second one.
    const metrics = await waitFor(
      async () => {
        const text = await client.metrics();
        return metricValue(text, 'actions_total', { action: 'webhook', outcome: 'dead_letter' }) ===
          2
          ? text
          : undefined;
      },
      10_000,
      50,
    );
    expect(metricValue(metrics, 'circuit_breaker_state', { breaker: 'webhook:pager' })).toBe(
      BREAKER_STATE_VALUE.open,
    );
    expect(
      metricValue(metrics, 'actions_total', { action: 'webhook', outcome: 'dead_letter' }),
    ).toBe(2);
    expect(
      metricValue(metrics, 'webhook_failures_total', { target: 'pager', reason: 'http_503' }),
    ).toBe(3);
    expect(
      metricValue(metrics, 'webhook_failures_total', { target: 'pager', reason: 'breaker_open' }),
    ).toBe(4);
    const incident = await client.getJson(`/v1/incidents/${String(pager['incident_id'])}`);
    expect(incident.body['action_states']).toEqual(
      expect.arrayContaining([
        { action: 'webhook', target: 'pager', outcome: 'dead_letter' },
        { action: 'webhook', target: 'closed', outcome: 'dead_letter' },
      ]),
    );
    expect(proc.lines().join('\n')).not.toContain(SECRET);
  }, 60_000);
});
