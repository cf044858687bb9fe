import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, waitFor, type CollectorClient } from '../support/client.js';
import { makeEvent } from '../support/events.js';
import { startInProcessCollector, type InProcessCollector } from '../support/in-process.js';

/** Ways to break one event, each refused by the event contract. */
const MUTATIONS: Array<(e: AuditEvent) => unknown> = [
  (e) => ({ ...e, status: 99 }),
  (e) => ({ ...e, status: '200' }),
  (e) => ({ ...e, decision: 'maybe' }),
  (e) => ({ ...e, decision: 'deny' }),
  (e) => ({ ...e, extra: 1 }),
  (e) => ({ ...e, event_id: `${e.event_id}0` }),
  (e) => ({ ...e, timestamp: '2024-13-01T00:00:00Z' }),
  (e) => ({ ...e, timestamp: String(Date.now()) }),
  (e) => ({ ...e, client_ip: '010.1.1.1' }),
  (e) => ({ ...e, duration_ms: -1 }),
  (e) => ({ ...e, v: 2 }),
  (e) => ({ ...e, user: '' }),
  (e) => ({ ...e, api_id: 'a b' }),
  (e) => ({ ...e, arguments: 'x' }),
  (e) => Object.defineProperty({ ...e }, '__proto__', { value: { x: 1 }, enumerable: true }),
  () => null,
  () => [],
  () => 'event',
];

type Slot =
  | { kind: 'valid' }
  | { kind: 'bad'; mutation: number }
  | { kind: 'repeat'; of: number; upper: boolean };

const slot: fc.Arbitrary<Slot> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Slot>({ kind: 'valid' }) },
  {
    weight: 2,
    arbitrary: fc.nat(MUTATIONS.length - 1).map<Slot>((mutation) => ({ kind: 'bad', mutation })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ of: fc.nat(), upper: fc.boolean() })
      .map<Slot>((r) => ({ kind: 'repeat', ...r })),
  },
);

/** Free text as the event contract allows it: 1-128 code points of anything, controls included. */
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

function storageSuite(label: string, env: () => Record<string, string>): void {
  describe(`stored events are exactly the valid ones (${label})`, () => {
    let running: InProcessCollector;
    let client: CollectorClient;

    beforeAll(async () => {
      running = await startInProcessCollector({
        COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '1000000',
        COLLECTOR_RATE_LIMIT_BURST: '10000000',
        // A store command that times out on a loaded machine leaves its entry pending until
        // it is claimed again; claim it after 1 s instead of 15 s so the waits stay short.
        COLLECTOR_CLAIM_IDLE_MS: '1000',
        ...env(),
      });
      client = collectorClient(running.url);
    });
    afterAll(async () => {
      await running?.stop();
    });

    const auditOf = async (api: string): Promise<AuditEvent[]> =>
      (await client.audit(`api_id=${api}&limit=500`)).body['events'] as AuditEvent[];

    it('stores each valid event of a mixed batch once, byte for byte, and refuses each bad one by index', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(slot, text, text), { minLength: 1, maxLength: 12 }),
          async (plan) => {
            const api = `fz-${randomUUID()}`;
            const body: unknown[] = [];
            const kept: AuditEvent[] = [];
            const badIndexes: number[] = [];
            let repeats = 0;
            plan.forEach(([s, user, tool], index) => {
              const event = makeEvent({ api_id: api, user, tool, endpoint: `/${tool}` });
              if (s.kind === 'bad') {
                body.push((MUTATIONS[s.mutation] as (e: AuditEvent) => unknown)(event));
                badIndexes.push(index);
              } else if (s.kind === 'repeat' && kept.length > 0) {
                const original = kept[s.of % kept.length] as AuditEvent;
                const id = s.upper ? original.event_id.toUpperCase() : original.event_id;
                body.push({ ...event, event_id: id });
                repeats++;
              } else {
                body.push(event);
                kept.push(event);
              }
            });
            const answer = await client.postEvents({ events: body });
            expect(answer.status).toBe(200);
            const rejected = answer.body['rejected'] as Array<{ index: number }>;
            expect(rejected.map((r) => r.index)).toEqual(badIndexes);
            expect(answer.body['accepted']).toBe(kept.length);
            expect(answer.body['duplicates']).toBe(repeats);
            if (kept.length === 0) return;
            const stored = await waitFor(async () => {
              const events = await auditOf(api);
              return events.length >= kept.length ? events : undefined;
            }, 10_000).catch((err: unknown) => {
              // Name the batch and what the collector logged, so a failure can be replayed.
              const warnings = running.logs.filter((l) => l['level'] !== 'info');
              throw new Error(
                `${String(err)}; batch ${JSON.stringify(body)}; logs ${JSON.stringify(warnings).slice(0, 4000)}`,
              );
            });
            const byId = (a: AuditEvent, b: AuditEvent) => (a.event_id < b.event_id ? -1 : 1);
            expect([...stored].sort(byId)).toEqual([...kept].sort(byId));
            const analytics = await client.analytics(api);
            expect(analytics.body['total_requests']).toBe(kept.length);
          },
        ),
        { numRuns: 15, endOnFailure: true },
      );
    });

    it('counts a batch re-sent concurrently, also with upper-cased ids, exactly once', async () => {
      const api = `fz-race-${randomUUID()}`;
      const events = Array.from({ length: 20 }, () => makeEvent({ api_id: api }));
      const upper = events.map((e) => ({ ...e, event_id: e.event_id.toUpperCase() }));
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, () => client.postEvents(events)),
        client.postEvents(upper),
      ]);
      for (const a of answers) expect(a.status).toBe(200);
      await waitFor(async () => ((await auditOf(api)).length >= 20 ? true : undefined), 10_000);
      // Give redelivered or late entries time to (wrongly) add to the counts.
      await new Promise((r) => setTimeout(r, 750));
      const stored = await auditOf(api);
      expect(stored).toHaveLength(20);
      expect(new Set(stored.map((e) => e.event_id.toLowerCase())).size).toBe(20);
      expect((await client.analytics(api)).body['total_requests']).toBe(20);
    });
  });
}

storageSuite('memory store', () => ({}));
describeWithRedis('storage fuzz with redis', (redis) => {
  storageSuite('redis', () => ({ REDIS_URL: redis.url }));
});
