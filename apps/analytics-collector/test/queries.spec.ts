import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, waitFor, type CollectorClient } from './support/client.js';
import { makeEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';
import { rulesDir } from './support/processes.js';

const T = Date.now() - 10 * 60_000;
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();

describe('audit and incident queries', () => {
  let running: InProcessCollector;
  let client: CollectorClient;
  let dir: Awaited<ReturnType<typeof rulesDir>>;
  const events: AuditEvent[] = [];

  beforeAll(async () => {
    dir = await rulesDir();
    await dir.write(
      'rules:\n  - id: denied\n    group_by: user\n    when: { field: decision, eq: deny }\n',
    );
    running = await startInProcessCollector({ COLLECTOR_CONFIG: dir.file });
    client = collectorClient(running.url);
    for (let i = 0; i < 30; i++) {
      events.push(
        makeEvent({
          timestamp: at(i % 10),
          user: `user-${i % 3}`,
          client_id: `client-${i % 2}`,
          tool: i % 5 === 0 ? 'log_store' : 'privacy',
          client_ip: `192.0.2.${i % 4}`,
          decision: i % 5 === 1 ? 'deny' : 'allow',
          ...(i % 5 === 1 && { reason: 'forbidden', status: 403 }),
          api_id: 'q-api',
        }),
      );
    }
    for (let i = 0; i < events.length; i += 7) await client.postEvents(events.slice(i, i + 7));
    await waitFor(
      async () =>
        (await client.analytics('q-api')).body['total_requests'] === 30 ? true : undefined,
      10_000,
    );
  });
  afterAll(async () => {
    await running?.stop();
    await dir?.cleanup();
  });

  const ids = (body: Record<string, unknown>) =>
    (body['events'] as AuditEvent[]).map((e) => e.event_id).sort();
  const want = (pick: (e: AuditEvent) => boolean) =>
    events
      .filter(pick)
      .map((e) => e.event_id)
      .sort();

  it.each<[string, (e: AuditEvent) => boolean]>([
    ['user=user-1', (e) => e.user === 'user-1'],
    [
      'client_id=client-0&tool=log_store',
      (e) => e.client_id === 'client-0' && e.tool === 'log_store',
    ],
    ['ip=192.0.2.3', (e) => e.client_ip === '192.0.2.3'],
    ['decision=deny', (e) => e.decision === 'deny'],
    [
      `from=${encodeURIComponent(at(3))}&to=${encodeURIComponent(at(5))}`,
      (e) => e.timestamp >= at(3) && e.timestamp <= at(5),
    ],
  ])('filters by %s', async (query, pick) => {
    const { status, body } = await client.audit(`${query}&limit=500`);
    expect(status).toBe(200);
    expect(ids(body)).toEqual(want(pick));
    expect(body['next_cursor']).toBeNull();
  });

  it('pages with a cursor, newest first, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body } = await client.audit(
        `user=user-2&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...(body['events'] as AuditEvent[]).map((e) => e.event_id));
      cursor = body['next_cursor'] as string | null;
      if (cursor === null) break;
    }
    expect(seen.sort()).toEqual(want((e) => e.user === 'user-2'));
    const newest = await client.audit('limit=1');
    expect((newest.body['events'] as AuditEvent[])[0]?.event_id).toBe(events[29]?.event_id);
  });

  it('refuses bad query parameters with 400, naming them', async () => {
    for (const query of [
      'decision=maybe',
      'limit=0',
      'limit=501',
      'cursor=abc',
      'from=yesterday',
      'unknown=1',
    ]) {
      const { status, body } = await client.audit(query);
      expect(status, query).toBe(400);
      expect(JSON.stringify(body)).toContain(query.split('=')[0]!);
    }
  });

  it('lists incidents newest first, pages them, filters by rule, and answers 404 for an unknown id', async () => {
    await waitFor(
      async () =>
        ((await client.incidents('limit=100')).body['incidents'] as unknown[]).length === 3
          ? true
          : undefined,
      10_000,
    );
    const first = await client.incidents('limit=2');
    const page1 = first.body['incidents'] as Array<{ key: string; rule_id: string }>;
    expect(page1).toHaveLength(2);
    const second = await client.incidents(`limit=2&cursor=${String(first.body['next_cursor'])}`);
    const page2 = second.body['incidents'] as Array<{ key: string }>;
    expect(page2).toHaveLength(1);
    expect(second.body['next_cursor']).toBeNull();
    expect([...page1, ...page2].map((i) => i.key).sort()).toEqual(['user-0', 'user-1', 'user-2']);
    expect(((await client.incidents('rule=other')).body['incidents'] as unknown[]).length).toBe(0);
    expect(
      (await client.getJson('/v1/incidents/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    expect((await client.getJson('/v1/incidents/not-an-id')).status).toBe(404);
  });

  it('breaks traffic down by API, tool and client', async () => {
    const { body } = await client.getJson('/v1/analytics/overview?time_range=24h');
    expect(body['apis']).toEqual([{ name: 'q-api', requests: 30 }]);
    expect(body['tools']).toEqual([
      { name: 'privacy', requests: 24 },
      { name: 'log_store', requests: 6 },
    ]);
    expect(body['clients']).toEqual([
      { name: 'client-0', requests: 15 },
      { name: 'client-1', requests: 15 },
    ]);
  });
});
