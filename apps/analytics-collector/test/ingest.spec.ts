import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRedis } from '@mcpgw/testing';
import { validateToolOutput } from '@mcpgw/tool-schemas';
import { collectorClient, SERVICE_TOKEN, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';

function ingestionSuite(label: string, env: () => Record<string, string>): void {
  describe(`ingestion (${label})`, () => {
    let running: InProcessCollector;
    let client: CollectorClient;

    beforeAll(async () => {
      running = await startInProcessCollector({
        COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '1',
        COLLECTOR_RATE_LIMIT_BURST: '400',
        COLLECTOR_MAX_BATCH_EVENTS: '300',
        COLLECTOR_MAX_BATCH_BYTES: '65536',
        ...env(),
      });
      client = collectorClient(running.url);
    });
    afterAll(async () => {
      await running?.stop();
    });

    const total = async (api: string) => (await client.analytics(api)).body['total_requests'];

    it('counts a batch sent twice once', async () => {
      const events = Array.from({ length: 5 }, () => makeEvent({ api_id: 'twice-api' }));
      const first = await client.postEvents(events);
      expect(first).toEqual({ status: 200, body: { accepted: 5, duplicates: 0, rejected: [] } });
      await waitFor(async () => ((await total('twice-api')) === 5 ? true : undefined), 10_000);
      const second = await client.postEvents(events);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ accepted: 0, duplicates: 5 });
      // A re-send racing the first batch's processing is stored again and dropped by the processor.
      const racing = Array.from({ length: 3 }, () => makeEvent({ api_id: 'twice-api' }));
      await Promise.all([client.postEvents(racing), client.postEvents(racing)]);
      await waitFor(async () => ((await total('twice-api')) === 8 ? true : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      const analytics = await client.analytics('twice-api');
      expect(analytics.body['total_requests']).toBe(8);
      expect(validateToolOutput('tyk_api_analytics', analytics.body).ok).toBe(true);
      const audit = await client.audit('limit=500');
      const ids = (audit.body['events'] as Array<{ event_id: string; api_id?: string }>)
        .filter((e) => e.api_id === 'twice-api')
        .map((e) => e.event_id);
      expect(ids).toHaveLength(8);
      expect(new Set(ids).size).toBe(8);
    });

    it('stores the good events of a batch and names the bad one by index and field', async () => {
      const good = [makeEvent({ api_id: 'partial-api' }), makeEvent({ api_id: 'partial-api' })];
      const bad = { ...makeEvent({ api_id: 'partial-api' }), status: 999, extra: 'x' };
      const response = await client.postEvents([good[0], bad, good[1]]);
      expect(response.status).toBe(200);
      expect(response.body['accepted']).toBe(2);
      const rejected = response.body['rejected'] as Array<{
        index: number;
        event_id: string;
        errors: Array<{ field: string }>;
      }>;
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.index).toBe(1);
      expect(rejected[0]?.event_id).toBe(bad.event_id);
      expect(rejected[0]?.errors.map((e) => e.field).sort()).toEqual([
        'events[1].extra',
        'events[1].status',
      ]);
      await waitFor(async () => ((await total('partial-api')) === 2 ? true : undefined), 10_000);
      const audit = await client.audit('api_id=partial-api');
      const stored = (audit.body['events'] as Array<{ event_id: string }>)
        .map((e) => e.event_id)
        .sort();
      expect(stored).toEqual(good.map((e) => e.event_id).sort());
    });

    it('refuses callers without the service token', async () => {
      const response = await collectorClient(running.url, 'wrong-token-0123456789').postEvents([
        makeEvent(),
      ]);
      expect(response.status).toBe(401);
      expect((await fetch(`${running.url}/v1/analytics?api_id=x`)).status).toBe(401);
    });

    it('answers 400 for a malformed batch, naming the problem', async () => {
      const empty = await client.postEvents({ events: [] });
      expect(empty.status).toBe(400);
      expect(JSON.stringify(empty.body)).toContain('events');
      const tooMany = await client.postEvents({ events: Array.from({ length: 301 }, () => ({})) });
      expect(tooMany.status).toBe(400);
      const unknownKey = await client.postEvents({ events: [makeEvent()], more: 1 });
      expect(unknownKey.status).toBe(400);
      const badQuery = await client.getJson('/v1/analytics?api_id=a%20b&time_range=1y');
      expect(badQuery.status).toBe(400);
      expect(JSON.stringify(badQuery.body)).toMatch(/api_id.*time_range|time_range.*api_id/);
    });

    it('answers 413 for a body over the byte limit', async () => {
      const big = Array.from({ length: 100 }, () =>
        makeEvent({ endpoint: `/${'x'.repeat(1_000)}` }),
      );
      const response = await client.postEvents(big);
      expect(response.status).toBe(413);
    });

    it('rate-limits each caller in events per second', async () => {
      const batch = () => Array.from({ length: 150 }, () => makeEvent({ api_id: 'rl-api' }));
      // Earlier tests spent about 20 of the 400-event burst (refill: 1 event/s): two batches fit.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await client.postEvents(batch())).status);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await fetch(`${running.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch() }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });
  });
}

ingestionSuite('memory store', () => ({}));
describeWithRedis('ingestion with redis', (redis) => {
  ingestionSuite('redis', () => ({ REDIS_URL: redis.url }));
});
