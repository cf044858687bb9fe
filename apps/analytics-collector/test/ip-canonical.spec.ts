import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, waitFor, type CollectorClient } from './support/client.js';
import { invalidKeyEvent } from './support/events.js';
import { startInProcessCollector, type InProcessCollector } from './support/in-process.js';
import { rulesDir } from './support/processes.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const RULES = `
rules:
  - id: brute
    when: { field: reason, eq: invalid_api_key }
    group_by: client_ip
    window: { seconds: 60, count: { gte: 4 } }
    actions: { block_ip: { ttl_seconds: 60 } }
`;

// Two attackers, each writing its address four ways: exactly the rule's threshold per address.
const ATTACKS: Array<[string, string[]]> = [
  [
    '203.0.113.7',
    ['::ffff:203.0.113.7', '203.0.113.7', '::FFFF:CB00:7107', '0:0:0:0:0:ffff:203.0.113.7'],
  ],
  ['2001:db8::1', ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '2001:0db8::0001', '2001:db8:0:0::1']],
];

describe('one address written several ways is one address', () => {
  let running: InProcessCollector;
  let client: CollectorClient;
  let gateway: Receiver;
  let dir: Awaited<ReturnType<typeof rulesDir>>;
  const sent: AuditEvent[] = [];

  beforeAll(async () => {
    [gateway, dir] = await Promise.all([startReceiver(), rulesDir()]);
    await dir.write(RULES);
    running = await startInProcessCollector({
      COLLECTOR_CONFIG: dir.file,
      GATEWAY_URL: gateway.url,
    });
    client = collectorClient(running.url);
    for (const [, forms] of ATTACKS) for (const ip of forms) sent.push(invalidKeyEvent(ip));
    expect((await client.postEvents(sent)).body).toMatchObject({ accepted: sent.length });
    await waitFor(async () => (gateway.requests.length === 2 ? true : undefined), 10_000);
  });
  afterAll(async () => {
    await running?.stop();
    await Promise.all([gateway?.close(), dir?.cleanup()]);
  });

  it('stores client_ip in canonical form', async () => {
    const { body } = await client.audit('limit=100');
    const stored = new Map((body['events'] as AuditEvent[]).map((e) => [e.event_id, e.client_ip]));
    for (const [canonical, forms] of ATTACKS) {
      const ids = sent.filter((e) => forms.includes(e.client_ip ?? '')).map((e) => e.event_id);
      expect(ids.map((id) => stored.get(id))).toEqual(forms.map(() => canonical));
    }
  });

  it.each(ATTACKS.flatMap(([canonical, forms]) => forms.map((f) => [f, canonical] as const)))(
    'an audit query for ip=%s finds every event of %s',
    async (form, canonical) => {
      const { status, body } = await client.audit(`ip=${encodeURIComponent(form)}&limit=100`);
      expect(status).toBe(200);
      const found = body['events'] as AuditEvent[];
      expect(found).toHaveLength(4);
      expect(found.every((e) => e.client_ip === canonical)).toBe(true);
    },
  );

  it('reaches the rule threshold once per address and blocks the canonical address', async () => {
    const incidents = (await client.incidents('rule=brute')).body['incidents'] as Array<
      Record<string, unknown>
    >;
    expect(incidents.map((i) => [i['key'], i['observed']]).sort()).toEqual(
      ATTACKS.map(([canonical]) => [canonical, 4]).sort(),
    );
    const blocked = gateway.requests.map((r) => (JSON.parse(r.body) as { ip: string }).ip);
    expect(blocked.sort()).toEqual(ATTACKS.map(([canonical]) => canonical).sort());
  });
});
