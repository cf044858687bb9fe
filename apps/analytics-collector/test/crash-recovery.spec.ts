import { afterAll, expect, it } from 'vitest';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, SERVICE_TOKEN, waitFor } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startCollectorProcess } from './support/processes.js';

const BATCHES = 120;
const PER_BATCH = 20;
const STATUSES = [200, 201, 404, 500, 302];

describeWithRedis('kill -9 of the collector while batches arrive', (redis) => {
  const processes: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  });

  it('counts every acknowledged batch exactly once after the restart', async ({ annotate }) => {
    const env = { REDIS_URL: redis.url, COLLECTOR_CLAIM_IDLE_MS: '1000' };
    processes.push(await startCollectorProcess(env));
    let url = processes[0]!.url;

    const batches: AuditEvent[][] = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: PER_BATCH }, (_, i) =>
        makeEvent({
          api_id: 'crash-api',
          status: STATUSES[(b * PER_BATCH + i) % STATUSES.length]!,
          duration_ms: i + 1,
        }),
      ),
    );
    const queue = batches.map((_, i) => i);
    const acked = new Set<number>();
    let attempts = 0;
    let failures = 0;
    let killed = false;
    // An at-least-once relay: every batch is re-sent until some collector acknowledges it.
    const sender = async (): Promise<void> => {
      while (acked.size < BATCHES && attempts < BATCHES * 50) {
        const index = queue.shift();
        if (index === undefined) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        attempts++;
        try {
          const res = await fetch(`${url}/v1/events`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${SERVICE_TOKEN}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ events: batches[index] }),
          });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`status ${res.status}`);
          acked.add(index);
        } catch {
          failures++;
          queue.push(index);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const senders = Array.from({ length: 4 }, () => sender());

    await waitFor(async () => (acked.size >= 40 ? true : undefined), 20_000, 5);
    await processes[0]!.child.kill('SIGKILL');
    killed = true;
    const ackedBeforeKill = acked.size;
    await processes[0]!.exited;
    processes.push(await startCollectorProcess(env));
    url = processes[1]!.url;
    await Promise.all(senders);

    expect(killed).toBe(true);
    expect(ackedBeforeKill).toBeLessThan(BATCHES);
    expect(acked.size).toBe(BATCHES);
    expect(failures).toBeGreaterThan(0);
    const client = collectorClient(url);
    const expectedTotal = BATCHES * PER_BATCH;
    await waitFor(
      async () => {
        const total = (await client.analytics('crash-api')).body['total_requests'];
        return total === expectedTotal ? true : undefined;
      },
      30_000,
      200,
    );
    // Give any straggling redelivery time to (wrongly) count again.
    await new Promise((r) => setTimeout(r, 2_500));
    const analytics = (await client.analytics('crash-api')).body;
    expect(analytics['total_requests']).toBe(expectedTotal);
    const perStatus = Object.fromEntries(
      STATUSES.map((s) => [String(s), expectedTotal / STATUSES.length]),
    );
    expect(analytics['status_codes']).toEqual(perStatus);
    expect(analytics['successful_requests']).toBe((expectedTotal / STATUSES.length) * 2);
    expect(analytics['error_requests']).toBe((expectedTotal / STATUSES.length) * 2);
    const tookOver = processes[1]!
      .logRecords()
      .filter((r) => r['message'] === 'took over pending entries');
    await annotate(
      `acked before kill: ${ackedBeforeKill}; failed sends: ${failures}; pending takeovers after restart: ${tookOver.length}`,
    );
  }, 90_000);
});
