import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from '@mcpgw/testing';
import { collectorClient, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';

describeWithRedis(
  'Redis outage',
  (redis) => {
    let running: InProcessCollector;
    let client: CollectorClient;

    beforeAll(async () => {
      running = await startInProcessCollector({ REDIS_URL: redis.url });
      client = collectorClient(running.url);
    });
    afterAll(async () => {
      await running?.stop();
    });

    it('refuses batches with 503 while Redis is down and resumes processing once it is back', async () => {
      expect((await client.postEvents([makeEvent({ api_id: 'outage-api' })])).status).toBe(200);
      await redis.server.stop();
      const refused = await client.postEvents([makeEvent({ api_id: 'outage-api' })]);
      expect(refused.status).toBe(503);
      expect(refused.body['error']).toBe('STORE_UNAVAILABLE');
      expect((await fetch(`${running.url}/ready`)).status).toBe(503);

      // The server comes back empty (no persistence in tests): the consumer group is re-created.
      await redis.server.restart();
      await client.waitReady();
      const events = Array.from({ length: 4 }, () => makeEvent({ api_id: 'outage-api' }));
      expect((await client.postEvents(events)).body).toMatchObject({ accepted: 4 });
      await client.waitForTotal('outage-api', 4, 20_000);
    }, 60_000);
  },
  { requireBinary: true },
);
