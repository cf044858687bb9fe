import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_TOKEN } from '../support/client.js';
import { makeEvent } from '../support/events.js';
import { startInProcessCollector, type InProcessCollector } from '../support/in-process.js';
import { leaksInternals, rawRequest, type RawAnswer } from '@mcpgw/testing';

const AUTH = { authorization: `Bearer ${SERVICE_TOKEN}` };
const JSON_TYPE = { ...AUTH, 'content-type': 'application/json' };
const MAX_BYTES = 262_144;

describe('POST /v1/events under hostile input (memory store)', () => {
  let running: InProcessCollector;
  const post = (body: string | Buffer | undefined, headers: Record<string, string> = JSON_TYPE) =>
    rawRequest(running.url, { method: 'POST', path: '/v1/events', headers, body });

  beforeAll(async () => {
    running = await startInProcessCollector({
      COLLECTOR_MAX_BATCH_BYTES: String(MAX_BYTES),
      COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND: '1000000',
      COLLECTOR_RATE_LIMIT_BURST: '10000000',
    });
  });
  afterAll(async () => {
    await running?.stop();
  });

  const expectEnvelope400 = (answer: RawAnswer, field: RegExp) => {
    expect(answer.status).toBe(400);
    expect(answer.json?.['error']).toBe('VALIDATION_FAILED');
    const errors = (answer.json?.['details'] as { errors?: Array<{ field: string }> }).errors;
    expect(errors?.some((e) => field.test(e.field))).toBe(true);
  };

  it('answers any JSON body with 200 or 400 (never 5xx), accounting for every event of a 200', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ events: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }) }),
      fc.record(
        {
          events: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: ['events'] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const answer = await post(JSON.stringify(value));
        expect([200, 400]).toContain(answer.status);
        expect(leaksInternals(answer.text)).toBe(false);
        if (answer.status !== 200) return;
        const events = (value as { events: unknown[] }).events;
        const b = answer.json as { accepted: number; duplicates: number; rejected: unknown[] };
        expect(b.accepted + b.duplicates + b.rejected.length).toBe(events.length);
      }),
      { numRuns: 120 },
    );
  });

  it('refuses envelopes that are not { events: [1..500] } with 400 naming the field', async () => {
    for (const scalar of ['null', '"x"', '42', 'true']) {
      const answer = await post(scalar);
      expect(answer.status).toBe(400);
      expect(answer.json?.['error']).toBe('INVALID_JSON');
    }
    expectEnvelope400(await post('[]'), /^\(root\)$/);
    expectEnvelope400(await post('{}'), /^events$/);
    expectEnvelope400(await post('{"events":{"0":{},"length":1}}'), /^events$/);
    expectEnvelope400(await post('{"events":[]}'), /^events$/);
    const tooMany = JSON.stringify({ events: Array.from({ length: 501 }, () => ({})) });
    expectEnvelope400(await post(tooMany), /^events$/);
    expectEnvelope400(await post(`{"events":[${JSON.stringify(makeEvent())}],"more":1}`), /^more$/);
  });

  // Fixed, kept as a regression test. Was (analytics-collector src/ingest/check-batch.ts `checkBatch`): the envelope is validated
  // with joi directly, and joi silently drops an own `__proto__` key instead of refusing it as
  // unknown (the guard lives in tool-schemas' `validateWith`, which only the events go through),
  // so `{ events, __proto__ }` is a 200 while `{ events, more }` is a 400.
  it('refuses a top-level __proto__ key like any other unknown key', async () => {
    const smuggled = `{"events":[${JSON.stringify(makeEvent())}],"__proto__":{"polluted":1}}`;
    expectEnvelope400(await post(smuggled), /__proto__/);
  });

  it('accepts exactly 500 events and refuses the 501st', async () => {
    const events = Array.from({ length: 500 }, () => makeEvent({ api_id: 'fz-500' }));
    const ok = await post(JSON.stringify({ events }));
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    const over = await post(JSON.stringify({ events: [...events, makeEvent()] }));
    expectEnvelope400(over, /^events$/);
  });

  it('accepts a body of exactly COLLECTOR_MAX_BATCH_BYTES and answers 413 one byte over', async () => {
    const sized = (bytes: number): string => {
      const events = Array.from({ length: 150 }, () => makeEvent({ endpoint: '/' }));
      const base = JSON.stringify({ events }).length;
      const per = Math.floor((bytes - base) / events.length);
      let rest = bytes - base - per * events.length;
      for (const e of events) {
        const extra = per + (rest > 0 ? 1 : 0);
        rest = Math.max(0, rest - 1);
        e.endpoint = `/${'x'.repeat(extra)}`;
      }
      const text = JSON.stringify({ events });
      expect(Buffer.byteLength(text)).toBe(bytes);
      return text;
    };
    const exact = await post(sized(MAX_BYTES));
    expect(exact.status).toBe(200);
    expect(exact.json?.['accepted']).toBe(150);
    const over = await post(sized(MAX_BYTES + 1));
    expect(over.status).toBe(413);
    expect(over.json?.['error']).toBe('PAYLOAD_TOO_LARGE');
  });

  it('decodes gzip bodies and refuses unsupported encodings and charsets with 415', async () => {
    const gz = await post(gzipSync(JSON.stringify({ events: [makeEvent()] })), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(gz.status).toBe(200);
    expect(gz.json?.['accepted']).toBe(1);
    const compress = await post('{}', { ...JSON_TYPE, 'content-encoding': 'compress' });
    expect(compress.status).toBe(415);
    const charset = await post('{}', {
      ...AUTH,
      'content-type': 'application/json; charset=latin1',
    });
    expect(charset.status).toBe(415);
  });

  // Regression: body-parser reports a body that does not inflate (zlib Z_DATA_ERROR) as an
  // exposed http-errors 400 without a `type`; service-kit's toHttpError used to map it to 500.
  it('answers a body that does not match its Content-Encoding with 400, not 500', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const answer = await post('{"events":[]}', { ...JSON_TYPE, 'content-encoding': encoding });
      expect(answer.status, encoding).toBe(400);
    }
  });

  // Fixed, kept as a regression test. Was (analytics-collector src/ingest/check-batch.ts `envelope`): the envelope schema is not
  // `.required()`, so an undefined body (no Content-Type, or one express.json does not parse)
  // passes validation and `(body as { events }).events` throws a TypeError: 500 INTERNAL.
  it('answers bodies the JSON parser did not read with 400/415, not 500', async () => {
    const batch = JSON.stringify({ events: [makeEvent()] });
    for (const headers of [
      AUTH,
      { ...AUTH, 'content-type': 'text/plain' },
      { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      { ...AUTH, 'content-type': 'application/merge-patch+json' },
    ]) {
      const answer = await post(batch, headers);
      expect([400, 415], JSON.stringify(headers)).toContain(answer.status);
    }
  });

  it('keeps __proto__ and constructor keys inside events from reaching storage or prototypes', async () => {
    const event = makeEvent({ api_id: 'fz-proto' });
    const raw = JSON.stringify(event).slice(0, -1);
    const answer = await post(
      `{"events":[${raw},"__proto__":{"polluted":1}},${JSON.stringify({
        ...makeEvent(),
        arguments: { nested: JSON.parse('{"__proto__":{"polluted":2}}') as unknown },
      })},${JSON.stringify({ ...makeEvent(), constructor: { prototype: { polluted: 3 } } })}]}`,
    );
    expect(answer.status).toBe(200);
    const b = answer.json as {
      accepted: number;
      rejected: Array<{ index: number; errors: Array<{ field: string }> }>;
    };
    expect(b.accepted).toBe(0);
    expect(b.rejected.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(b.rejected[0]?.errors.map((e) => e.field)).toContain('events[0].__proto__');
    expect(b.rejected[1]?.errors.map((e) => e.field)).toContain(
      'events[1].arguments.nested.__proto__',
    );
    expect(b.rejected[2]?.errors.map((e) => e.field)).toContain('events[2].constructor');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts 29 February of a leap year', async () => {
    const answer = await post(
      JSON.stringify({ events: [makeEvent({ timestamp: '2024-02-29T12:00:00Z' })] }),
    );
    expect(answer.json).toMatchObject({ accepted: 1, rejected: [] });
  });

  // Fixed, kept as a regression test. Was (libs/shared/tool-schemas src/audit-event.ts `timestamp`, via ISO_TIMESTAMP_PATTERN in
  // patterns.ts): the timestamp is checked by pattern only (day 01-31 for every month), so
  // impossible dates are stored in the audit trail as written while Date.parse silently rolls
  // them over (2024-02-30 is counted on 1 March) in the aggregates and rule windows.
  it('refuses impossible calendar dates in event timestamps', async () => {
    const bad = ['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T10:00:00+02:00'];
    const answer = await post(
      JSON.stringify({ events: bad.map((timestamp) => makeEvent({ timestamp })) }),
    );
    expect(answer.status).toBe(200);
    const rejected = (answer.json?.['rejected'] ?? []) as Array<{
      errors: Array<{ field: string }>;
    }>;
    expect(answer.json?.['accepted']).toBe(0);
    expect(rejected.map((r) => r.errors[0]?.field)).toEqual([
      'events[0].timestamp',
      'events[1].timestamp',
      'events[2].timestamp',
    ]);
  });
});
