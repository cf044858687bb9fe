import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateToolOutput, type AuditEvent } from '@mcpgw/tool-schemas';
import {
  collectorClient,
  SERVICE_TOKEN,
  waitFor,
  type CollectorClient,
} from '../support/client.js';
import { makeEvent } from '../support/events.js';
import { startInProcessCollector, type InProcessCollector } from '../support/in-process.js';
import { leaksInternals, rawRequest } from '@mcpgw/testing';

const AUTH = { authorization: `Bearer ${SERVICE_TOKEN}` };
const ROUTES = [
  '/v1/audit',
  '/v1/analytics',
  '/v1/analytics/overview',
  '/v1/incidents',
  '/v1/deadletters',
  '/v1/rules',
];
const KEYS = [
  'limit',
  'cursor',
  'from',
  'to',
  'user',
  'ip',
  'decision',
  'type',
  'api_id',
  'time_range',
  'rule',
  'tool',
  'client_id',
  '__proto__',
  'constructor',
  'toString',
  'limit[]',
  'user[a]',
  'a[__proto__][x]',
  '',
  'LIMIT',
];
const VALUES = [
  '',
  '0',
  '1',
  '-1',
  '500',
  '501',
  '1e2',
  '1e309',
  'Infinity',
  '-Infinity',
  'NaN',
  '0x10',
  '9'.repeat(400),
  '1.5',
  ' 5',
  '24h',
  '7d',
  '30d',
  '1y',
  'allow',
  'deny',
  'mcp.request',
  '2024-01-01T00:00:00Z',
  '2024-01-01',
  '2024-01-01T00:00:00',
  '+275760-09-13T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '1700000000',
  '__proto__',
  '%',
  '%ZZ',
  '%C0%AE',
  '%00',
  '%ff%fe',
  '%E2%80%AE',
  '\u202e',
  '\u0000',
];

/** A query-string fragment: a key, and a value from the edge list or arbitrary code points. */
const pair = fc.tuple(
  fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ unit: 'grapheme', maxLength: 30 })),
  fc.boolean(),
);
const encode = (s: string): string =>
  s.replace(/[^A-Za-z0-9%._~\-[\]]/gu, (c) => encodeURIComponent(c));

describe('GET routes under hostile query strings', () => {
  let running: InProcessCollector;
  let client: CollectorClient;
  const seeded: AuditEvent[] = [];
  const T = Date.now() - 5 * 60_000;

  beforeAll(async () => {
    running = await startInProcessCollector();
    client = collectorClient(running.url);
    for (let i = 0; i < 5; i++)
      seeded.push(
        makeEvent({
          api_id: 'fz-q',
          user: `fz-user-${i}`,
          timestamp: new Date(T + i * 1000).toISOString(),
        }),
      );
    await client.postEvents(seeded);
    await waitFor(
      async () =>
        ((await client.audit('api_id=fz-q')).body['events'] as unknown[]).length === 5 || undefined,
      10_000,
    );
  });
  afterAll(async () => {
    await running?.stop();
  });

  const get = (path: string) => rawRequest(running.url, { path, headers: AUTH });

  it('answers any query on every route with 200, or 400 naming a parameter; never 5xx or internals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.array(pair, { maxLength: 4 }),
        async (route, pairs) => {
          const query = pairs
            .map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encode(k)}=${encode(v)}`))
            .join('&');
          const path = `${route}?${query}`.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
          const answer = await get(path);
          expect([200, 400], path).toContain(answer.status);
          expect(leaksInternals(answer.text), path).toBe(false);
          if (answer.status === 400) {
            expect(answer.json?.['error']).toBe('VALIDATION_FAILED');
            const errors = (answer.json?.['details'] as { errors: Array<{ field: string }> })
              .errors;
            expect(errors.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 250 },
    );
  });

  it.each([
    ['/v1/audit', 'limit', ['0', '-1', '501', '1.5', 'NaN', 'Infinity', '1e309', '0x10', '']],
    ['/v1/incidents', 'limit', ['0', '-5', '101', '2.5', 'abc']],
    ['/v1/deadletters', 'limit', ['0', '101', '-1']],
    ['/v1/audit', 'cursor', ['0', '-1', '01', '1.0', '99999999999999999', 'abc']],
    [
      '/v1/audit',
      'from',
      [
        '2024-01-01',
        '1700000000',
        'Infinity',
        '2024-01-01T00:00:00',
        '+275760-09-13T00:00:00Z',
        '2024-01-01T24:00:00Z',
      ],
    ],
    ['/v1/analytics/overview', 'time_range', ['1y', '24H', '0d', '']],
  ])('%s refuses %s out of its domain with 400 naming it', async (route, key, values) => {
    for (const value of values) {
      const answer = await get(`${route}?${key}=${encodeURIComponent(value)}`);
      expect(answer.status, `${key}=${value}`).toBe(400);
      const fields = (answer.json?.['details'] as { errors: Array<{ field: string }> }).errors.map(
        (e) => e.field,
      );
      expect(fields, `${key}=${value}`).toContain(key);
    }
  });

  it('refuses a repeated parameter instead of picking one', async () => {
    for (const path of [
      '/v1/audit?limit=1&limit=2',
      '/v1/audit?user=a&user=b',
      '/v1/analytics?api_id=a&api_id=b',
      '/v1/analytics?api_id=a&time_range=24h&time_range=7d',
      '/v1/incidents?rule=a&rule=b',
    ]) {
      expect((await get(path)).status, path).toBe(400);
    }
  });

  it('applies limit bounds and time bounds exactly (inclusive), and an inverted range is empty', async () => {
    const ids = async (query: string) =>
      ((await client.audit(`api_id=fz-q&${query}`)).body['events'] as AuditEvent[])
        .map((e) => e.user)
        .sort();
    expect(await ids('limit=1')).toHaveLength(1);
    expect((await client.audit('limit=500')).status).toBe(200);
    const at = (i: number) => encodeURIComponent((seeded[i] as AuditEvent).timestamp);
    expect(await ids(`from=${at(1)}&to=${at(3)}`)).toEqual(['fz-user-1', 'fz-user-2', 'fz-user-3']);
    expect(await ids(`from=${at(2)}&to=${at(2)}`)).toEqual(['fz-user-2']);
    const inverted = await client.audit(`api_id=fz-q&from=${at(4)}&to=${at(0)}`);
    expect(inverted.status).toBe(200);
    expect(inverted.body['events']).toEqual([]);
    // The same instant written with an offset selects the same events.
    const plus = (i: number) => {
      const d = new Date(Date.parse((seeded[i] as AuditEvent).timestamp) + 2 * 3_600_000);
      return encodeURIComponent(`${d.toISOString().slice(0, 23)}+02:00`);
    };
    expect(await ids(`from=${plus(1)}&to=${plus(3)}`)).toEqual([
      'fz-user-1',
      'fz-user-2',
      'fz-user-3',
    ]);
  });

  it('treats a cursor beyond the head as "from the newest" and a cursor of 1 as the end', async () => {
    const first = await client.audit('api_id=fz-q&cursor=9999999999999999');
    expect(first.status).toBe(200);
    expect((first.body['events'] as unknown[]).length).toBe(5);
    const end = await client.audit('cursor=1');
    expect(end.body).toMatchObject({ events: [], next_cursor: null });
  });

  // Fixed, kept as a regression test. Was (libs/shared/tool-schemas src/patterns.ts ISO_TIMESTAMP_PATTERN, used by
  // src/audit/audit-query.ts): `from`/`to` are checked by pattern only, so 30 February passes
  // and Date.parse rolls it over to 1 March instead of the caller getting a 400.
  it('refuses impossible calendar dates in from/to', async () => {
    for (const value of ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-06-31T00:00:00Z']) {
      const answer = await get(`/v1/audit?from=${encodeURIComponent(value)}`);
      expect(answer.status, value).toBe(400);
    }
  });

  it('answers 404 for incident ids that are not UUIDs, whatever their encoding', async () => {
    for (const id of [
      '..',
      '%2e%2e',
      '-'.repeat(36),
      'x'.repeat(5000),
      '%00',
      '%E2%80%AE',
      '00000000-0000-0000-0000-000000000000',
    ]) {
      const answer = await get(`/v1/incidents/${id}`);
      expect([404], id).toContain(answer.status);
      expect(leaksInternals(answer.text)).toBe(false);
    }
  });

  // Regression: the router's URIError for a path parameter that is not valid percent-encoding
  // carries an exposed status 400; service-kit's toHttpError used to map it to 500 INTERNAL.
  it('answers malformed percent-encoding in /v1/incidents/{id} with a 4xx, not 500', async () => {
    for (const id of ['%ZZ', '%', '%C0%AE', '%E0%A4%A']) {
      const answer = await get(`/v1/incidents/${id}`);
      expect([400, 404], id).toContain(answer.status);
    }
  });

  it('accepts API ids that are Object.prototype member names and answers zeros for them', async () => {
    for (const api of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const answer = await client.analytics(api, '30d');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ api_id: api, total_requests: 0, top_endpoints: [] });
      expect(validateToolOutput('tyk_api_analytics', answer.body).ok).toBe(true);
    }
  });

  // Fixed, kept as a regression test. Was (analytics-collector src/aggregates/summary.ts `bump`/`emptySummary`): per-value counts
  // are plain `{}` objects, so `counts[key] ?? 0` reads Object.prototype members: an endpoint,
  // tool, client, upstream or API named `constructor`/`toString`/`valueOf` is counted as the
  // string "function Object() { [native code] }…1", and `__proto__` is silently dropped. The
  // analytics answer then violates the tyk_api_analytics contract (requests must be a number).
  it('counts endpoints, tools, clients and APIs named like Object.prototype members', async () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
    await client.postEvents([
      ...names.map((n) =>
        makeEvent({ api_id: 'fz-proto-names', endpoint: n, tool: n, client_id: n, upstream: n }),
      ),
      makeEvent({ api_id: 'constructor' }),
    ]);
    const analytics = await waitFor(async () => {
      const a = await client.analytics('fz-proto-names');
      return a.body['total_requests'] === names.length ? a : undefined;
    }, 10_000);
    expect(validateToolOutput('tyk_api_analytics', analytics.body).ok).toBe(true);
    const endpoints = analytics.body['top_endpoints'] as Array<{ path: string; requests: unknown }>;
    expect([...endpoints].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(
      [...names].sort().map((path) => ({ path, requests: 1 })),
    );
    const overview = (await client.getJson('/v1/analytics/overview')).body;
    for (const dim of ['tools', 'clients', 'upstreams'])
      for (const name of names)
        expect(overview[dim], `${dim} ${name}`).toContainEqual({ name, requests: 1 });
    expect(overview['apis']).toContainEqual({ name: 'constructor', requests: 1 });
  });
});
