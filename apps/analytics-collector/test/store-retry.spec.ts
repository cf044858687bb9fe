import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateStore } from '@mcpgw/state';
import { describeWithRedis } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { ingestKeys } from '../src/ingest/ingest-log.js';
import { collectorClient, metricValue, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';
import { rulesDir } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

// Far above the wait below: only a prompt retry, not the idle claim, can process the batch in time.
const CLAIM_IDLE_MS = 60_000;
const PROCESSED_WITHIN_MS = 15_000;
const PAUSE_MS = 1_500;

const rules = (webhookUrl: string) => `
webhooks:
  - { id: soc, url: "${webhookUrl}/hook", secret: "0123456789abcdef" }
rules:
  - id: three-from-one
    when: { field: api_id, eq: retry-api }
    window: { seconds: 300, count: { gte: 3 } }
  - id: notify
    when: { field: api_id, eq: action-api }
    actions: { webhooks: [soc] }
`;

/** A store call to fail: Redis is paused (or stopped) just before the first such call. */
interface Fault {
  method: keyof StateStore;
  keyPrefix: string;
  stop?: boolean;
}

describeWithRedis(
  'store failures while processing batches and recording actions (real redis-server)',
  (redis) => {
    let running: InProcessCollector;
    let client: CollectorClient;
    let dir: Awaited<ReturnType<typeof rulesDir>>;
    let webhook: Receiver;
    let resumeTimer: NodeJS.Timeout | undefined;
    let fault: Fault | undefined;

    const withFault = (store: StateStore): StateStore =>
      new Proxy(store, {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop);
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            if (fault?.method === prop && String(args[0]).startsWith(fault.keyPrefix)) {
              const stop = fault.stop === true;
              fault = undefined;
              if (stop) await redis.server.stop();
              else {
                await redis.server.pause();
                resumeTimer = setTimeout(() => void redis.server.resume(), PAUSE_MS);
              }
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    const logged = (message: string) => running.logs.filter((l) => l['message'] === message).length;
    const failed = (message: string) => logged(message) > 0;

    beforeAll(async () => {
      [webhook, dir] = await Promise.all([startReceiver(), rulesDir()]);
      await dir.write(rules(webhook.url));
      running = await startInProcessCollector(
        {
          REDIS_URL: redis.url,
          COLLECTOR_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
          COLLECTOR_CONFIG: dir.file,
        },
        { wrapStore: withFault },
      );
      client = collectorClient(running.url);
    });
    afterAll(async () => {
      clearTimeout(resumeTimer);
      if (redis.server.running) await redis.server.resume();
      await running?.stop();
      await Promise.all([webhook?.close(), dir?.cleanup()]);
    });

    it('retries the batch within seconds, not after the claim-idle time, and counts it once', async () => {
      const events = Array.from({ length: 3 }, () =>
        makeEvent({ api_id: 'retry-api', client_ip: '192.0.2.50' }),
      );
      fault = { method: 'hashIncrBy', keyPrefix: 'agg:raw:' };
      const started = Date.now();
      expect((await client.postEvents(events)).body).toMatchObject({ accepted: 3 });
      await client.waitForTotal('retry-api', 3, PROCESSED_WITHIN_MS);
      expect(Date.now() - started).toBeLessThan(PROCESSED_WITHIN_MS);
      // The failure really happened: Redis was paused during processing and the entry failed.
      expect(fault).toBeUndefined();
      expect(failed('ingest entry processing failed; will retry')).toBe(true);

      // Exactly once: acknowledged, one successful processing, audit, aggregates and rule counts once.
      await waitFor(
        async () =>
          (await running.store.streamPendingCount(ingestKeys.stream, ingestKeys.group)) === 0
            ? true
            : undefined,
        5_000,
      );
      const metrics = await client.metrics();
      expect(metricValue(metrics, 'ingest_entries_processed_total', { outcome: 'ok' })).toBe(1);
      const audit = await client.audit('api_id=retry-api&limit=100');
      expect((audit.body['events'] as AuditEvent[]).map((e) => e.event_id).sort()).toEqual(
        events.map((e) => e.event_id).sort(),
      );
      expect((await client.analytics('retry-api')).body['total_requests']).toBe(3);
      const incidents = (await client.incidents('rule=three-from-one')).body['incidents'] as Array<
        Record<string, unknown>
      >;
      expect(incidents.map((i) => [i['rule_id'], i['observed']])).toEqual([['three-from-one', 3]]);
    }, 40_000);

    it('records a finished action again after a store failure instead of running it twice', async () => {
      fault = { method: 'set', keyPrefix: 'act:done:' };
      const started = Date.now();
      expect((await client.postEvents([makeEvent({ api_id: 'action-api' })])).status).toBe(200);
      const [incident] = await waitFor(async () => {
        // While Redis is paused the answer is a 503 envelope without `incidents`.
        const listed = ((await client.incidents('rule=notify')).body['incidents'] ?? []) as Array<{
          action_states: Array<{ outcome: string }>;
        }>;
        return listed[0]?.action_states[0]?.outcome === 'success' ? listed : undefined;
      }, PROCESSED_WITHIN_MS);
      expect(Date.now() - started).toBeLessThan(PROCESSED_WITHIN_MS);
      expect(fault).toBeUndefined();
      expect(incident?.action_states).toEqual([
        { action: 'webhook', target: 'soc', outcome: 'success' },
      ]);
      // Acknowledged, and delivered once: the idle claim has nothing left to run again.
      await waitFor(
        async () =>
          (await running.store.streamPendingCount('actions', 'executors')) === 0 ? true : undefined,
        5_000,
      );
      expect(webhook.requests).toHaveLength(1);
      const metrics = await client.metrics();
      expect(metricValue(metrics, 'actions_total', { action: 'webhook', outcome: 'success' })).toBe(
        1,
      );
    }, 40_000);

    // Last: it leaves Redis restarted empty.
    it('does not replay a failed batch from memory once Redis came back empty', async () => {
      const processingFailed = () => logged('ingest entry processing failed; will retry');
      const before = processingFailed();
      fault = { method: 'hashIncrBy', keyPrefix: 'agg:raw:', stop: true };
      await client.postEvents([makeEvent({ api_id: 'lost-api' })]);
      // Restart only once the entry has failed (a command still waiting for the reconnect would
      // otherwise land on the new, empty server).
      await waitFor(async () => (processingFailed() > before ? true : undefined), 10_000);
      await redis.server.restart();
      await client.waitReady();
      const events = Array.from({ length: 4 }, () => makeEvent({ api_id: 'lost-api' }));
      expect((await client.postEvents(events)).body).toMatchObject({ accepted: 4 });
      await client.waitForTotal('lost-api', 4, PROCESSED_WITHIN_MS);
      // The lost entry is not in the new group's pending list: either the group was still gone
      // (NOGROUP) or already re-created empty when the consumer re-read it.
      expect(
        failed('failed entries no longer pending; dropped') ||
          failed('failed entries no longer pending for this consumer; not retried'),
      ).toBe(true);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await client.analytics('lost-api')).body['total_requests']).toBe(4);
    }, 40_000);
  },
  { requireBinary: true },
);
