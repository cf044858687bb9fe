import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import { collectorClient, GATEWAY_TOKEN, metricValue, waitFor } from './support/client.js';
import { invalidKeyEvent, makeEvent } from './support/events.js';
import { rulesDir, startCollectorProcess } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef';
const ATTACKER = '203.0.113.7';

const rules = (webhookUrl: string) => `
version: 1
webhooks:
  - id: soc
    url: ${webhookUrl}/hooks/incident
    secret: ${WEBHOOK_SECRET}
rules:
  - id: invalid-api-keys
    description: More than 20 invalid API keys from one address in 60 s
    priority: 100
    severity: high
    when:
      all:
        - { field: decision, eq: deny }
        - { field: reason, in: [invalid_api_key, api_key_revoked] }
    group_by: client_ip
    window: { seconds: 60, count: { gt: 20 } }
    cooldown_seconds: 600
    actions:
      block_ip: { ttl_seconds: 900 }
      webhooks: [soc]
`;

describeWithRedis(
  'scripted attack of invalid API keys (two collector replicas, real processes)',
  (redis) => {
    let gateway: Receiver;
    let webhook: Receiver;
    let replicas: ServiceProcess[] = [];
    let dir: Awaited<ReturnType<typeof rulesDir>>;

    beforeAll(async () => {
      [gateway, webhook, dir] = await Promise.all([startReceiver(), startReceiver(), rulesDir()]);
      await dir.write(rules(webhook.url));
      const env = { REDIS_URL: redis.url, COLLECTOR_CONFIG: dir.file, GATEWAY_URL: gateway.url };
      replicas = await Promise.all([startCollectorProcess(env), startCollectorProcess(env)]);
    });
    afterAll(async () => {
      await Promise.all(replicas.map((p) => p.stop('SIGKILL')));
      await Promise.all([gateway?.close(), webhook?.close(), dir?.cleanup()]);
    });

    it('fires once within 2 s of the threshold: one block, one incident, one signed webhook', async () => {
      const clients = replicas.map((p) => collectorClient(p.url));
      // Noise that must not trigger anything: another address below the threshold, normal traffic.
      for (let i = 0; i < 10; i++) {
        const noise = [invalidKeyEvent('198.51.100.20'), makeEvent({ api_id: 'payments' })];
        expect((await clients[i % 2]!.postEvents(noise)).status).toBe(200);
      }
      let crossedAt = 0;
      for (let i = 1; i <= 30; i++) {
        // The attack arrives as single-event batches, alternating between the replicas.
        const response = await clients[i % 2]!.postEvents([invalidKeyEvent(ATTACKER)]);
        expect(response.body['accepted']).toBe(1);
        if (i === 21) crossedAt = Date.now();
      }
      const block = await waitFor(async () => gateway.requests[0], 5_000, 10);
      expect(block.at - crossedAt).toBeLessThan(2_000);
      await waitFor(async () => webhook.requests[0], 5_000, 10);
      // Later events of the same attack must not fire again.
      for (let i = 0; i < 5; i++) await clients[i % 2]!.postEvents([invalidKeyEvent(ATTACKER)]);
      await new Promise((r) => setTimeout(r, 1_500));

      expect(gateway.requests).toHaveLength(1);
      expect(block.method).toBe('POST');
      expect(block.path).toBe('/admin/blocklist');
      expect(block.headers['authorization']).toBe(`Bearer ${GATEWAY_TOKEN}`);
      const blockBody = JSON.parse(block.body) as Record<string, unknown>;
      expect(blockBody).toEqual({
        ip: ATTACKER,
        ttl_seconds: 900,
        reason: 'rule:invalid-api-keys',
        incident_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      });

      expect(webhook.requests).toHaveLength(1);
      const hook = webhook.requests[0]!;
      const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hook.body).digest('hex')}`;
      expect(hook.headers['x-signature-256']).toBe(expected);
      expect(hook.headers['x-webhook-id']).toBe(`${String(blockBody['incident_id'])}:webhook:soc`);
      const payload = JSON.parse(hook.body) as { type: string; incident: Record<string, unknown> };
      expect(payload.type).toBe('incident.created');
      expect(payload.incident).toMatchObject({
        incident_id: blockBody['incident_id'],
        rule_id: 'invalid-api-keys',
        key_field: 'client_ip',
        key: ATTACKER,
        severity: 'high',
      });
      // Replicas count concurrently: the replica that fires may already see a later event's increment.
      expect(payload.incident['observed']).toBeGreaterThanOrEqual(21);
      expect(payload.incident['observed']).toBeLessThanOrEqual(30);

      const listed = await clients[0]!.incidents();
      const incidents = listed.body['incidents'] as Array<Record<string, unknown>>;
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ incident_id: blockBody['incident_id'], key: ATTACKER });
      await waitFor(async () => {
        const one = await clients[1]!.getJson(`/v1/incidents/${String(blockBody['incident_id'])}`);
        const states = one.body['action_states'] as Array<{ outcome: string }>;
        return states.length === 2 && states.every((s) => s.outcome === 'success')
          ? one
          : undefined;
      }, 5_000);

      const metrics = await Promise.all(clients.map((c) => c.metrics()));
      const total = (name: string, labels: Record<string, string>) =>
        metrics.reduce((sum, text) => sum + (metricValue(text, name, labels) ?? 0), 0);
      expect(total('actions_total', { action: 'incident', outcome: 'success' })).toBe(1);
      expect(total('actions_total', { action: 'block_ip', outcome: 'success' })).toBe(1);
      expect(total('actions_total', { action: 'webhook', outcome: 'success' })).toBe(1);
      expect(total('rules_matched_total', { rule: 'invalid-api-keys' })).toBe(45);
      // The webhook secret never reaches a log line.
      for (const replica of replicas)
        expect(replica.lines().join('\n')).not.toContain(WEBHOOK_SECRET);
    });
  },
);
