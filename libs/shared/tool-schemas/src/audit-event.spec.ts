import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARGUMENTS_MAX_BYTES,
  AUDIT_BATCH_MAX,
  validateAuditEvent,
  validateAuditEventBatch,
  type AuditEvent,
} from './audit-event.js';

const event: AuditEvent = {
  v: 1,
  event_id: '0b6e4f4c-3c1e-4d8e-9a51-6a0f0b1f2c3d',
  type: 'mcp.request',
  timestamp: '2025-06-01T12:00:00.000Z',
  request_id: 'req-1',
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  user: 'alice@example.com',
  client_id: 'cursor',
  method: 'tools/call',
  tool: 'sentraip_threat_check',
  upstream: 'builtin',
  client_ip: '::ffff:203.0.113.7',
  decision: 'allow',
  status: 200,
  duration_ms: 12.5,
  degraded: false,
  threat_score: 2,
};

const fields = (r: { ok: boolean; errors?: Array<{ field: string }> }) =>
  r.ok ? [] : (r.errors ?? []).map((e) => e.field);

describe('validateAuditEvent', () => {
  it('accepts arguments (nested, any keys) only as an object within the size bound', () => {
    const withArgs = {
      ...event,
      arguments: { query: 'logs', filter: { level: ['error'], limit: 5 } },
    };
    expect(validateAuditEvent(withArgs)).toEqual({ ok: true, value: withArgs });
    expect(fields(validateAuditEvent({ ...event, arguments: 'text' }))).toEqual(['arguments']);
    const big = { ...event, arguments: { blob: 'x'.repeat(AUDIT_ARGUMENTS_MAX_BYTES) } };
    expect(fields(validateAuditEvent(big))).toEqual(['arguments']);
  });

  it('refuses a timestamp on a day that does not exist, and takes 29 February of a leap year', () => {
    for (const day of ['2024-02-30', '2023-02-29', '2024-04-31', '2100-02-29']) {
      expect(fields(validateAuditEvent({ ...event, timestamp: `${day}T00:00:00Z` })), day).toEqual([
        'timestamp',
      ]);
    }
    for (const day of ['2024-02-29', '2000-02-29', '2024-12-31', '0000-02-29']) {
      expect(validateAuditEvent({ ...event, timestamp: `${day}T23:59:59.5+02:00` }).ok, day).toBe(
        true,
      );
    }
  });

  it('accepts a complete event and a minimal one', () => {
    expect(validateAuditEvent(event)).toEqual({ ok: true, value: event });
    const minimal = {
      v: 1,
      event_id: event.event_id,
      type: 'admin.action',
      timestamp: event.timestamp,
      request_id: 'r',
      decision: 'allow',
      status: 204,
      duration_ms: 0,
      degraded: false,
    };
    expect(validateAuditEvent(minimal).ok).toBe(true);
  });

  it('rejects unknown fields, naming them', () => {
    expect(fields(validateAuditEvent({ ...event, payload: { secret: 'x' } }))).toEqual(['payload']);
  });

  it.each([
    ['v', 2],
    ['event_id', 'not-a-uuid'],
    ['type', 'mcp.whatever'],
    ['timestamp', '2025-06-01 12:00'],
    ['request_id', ''],
    ['trace_id', 'ABC'],
    ['client_ip', '300.1.1.1'],
    ['decision', 'maybe'],
    ['status', 200.5],
    ['status', '200'],
    ['duration_ms', -1],
    ['degraded', 'false'],
    ['threat_score', 11],
    ['reason', 'Not A Code'],
  ] as const)('names %s when it is %o', (field, value) => {
    expect(fields(validateAuditEvent({ ...event, [field]: value }))).toEqual([field]);
  });

  it('requires a reason when the decision is deny or error', () => {
    expect(fields(validateAuditEvent({ ...event, decision: 'deny', status: 403 }))).toEqual([
      'reason',
    ]);
    expect(
      validateAuditEvent({ ...event, decision: 'deny', status: 403, reason: 'ip_blocked' }).ok,
    ).toBe(true);
    expect(fields(validateAuditEvent({ ...event, decision: 'error', status: 502 }))).toEqual([
      'reason',
    ]);
  });

  it('accepts any well-formed status and duration', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (status, duration_ms) => validateAuditEvent({ ...event, status, duration_ms }).ok,
      ),
    );
  });
});

describe('validateAuditEventBatch', () => {
  it('accepts 1..N events', () => {
    expect(validateAuditEventBatch({ events: [event] }).ok).toBe(true);
    expect(
      validateAuditEventBatch({ events: Array.from({ length: AUDIT_BATCH_MAX }, () => event) }).ok,
    ).toBe(true);
  });

  it('rejects an empty or oversized batch', () => {
    expect(fields(validateAuditEventBatch({ events: [] }))).toEqual(['events']);
    expect(
      fields(
        validateAuditEventBatch({
          events: Array.from({ length: AUDIT_BATCH_MAX + 1 }, () => event),
        }),
      ),
    ).toEqual(['events']);
    expect(fields(validateAuditEventBatch({}))).toEqual(['events']);
    expect(fields(validateAuditEventBatch({ events: [event], more: 1 }))).toEqual(['more']);
  });

  it('names every bad event by index and field', () => {
    const { event_id: _omitted, ...noId } = event;
    const result = validateAuditEventBatch({
      events: [event, { ...event, status: 'ok' }, event, noId, { ...event, extra: true }],
    });
    expect(fields(result)).toEqual(['events[1].status', 'events[3].event_id', 'events[4].extra']);
  });

  it('rejects a nested own __proto__ key instead of dropping it', () => {
    const body: unknown = JSON.parse(
      `{"events":[${JSON.stringify(event).replace('{', '{"__proto__":{"x":1},')}]}`,
    );
    expect(fields(validateAuditEventBatch(body))).toEqual(['events[0].__proto__']);
  });

  it('reports the index of any single corrupted field', () => {
    const keys = Object.keys(event) as Array<keyof AuditEvent>;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...keys), (index, key) => {
        const events: unknown[] = Array.from({ length: 10 }, () => ({ ...event }));
        events[index] = { ...event, [key]: { nested: true } };
        return fields(validateAuditEventBatch({ events })).every((f) =>
          f.startsWith(`events[${index}].${key}`),
        );
      }),
    );
  });
});
