import { describe, expect, it } from 'vitest';
import { encodeRecord, decodeRecord, toAggregateRecord } from './raw-record.js';
import {
  ALL_APIS,
  capCounts,
  emptySummary,
  mergeSummary,
  OTHER,
  summariesFromRaw,
} from './summary.js';
import type { AuditEvent } from '@mcpgw/tool-schemas';

const event = (id: string, status: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  v: 1,
  event_id: id,
  type: 'rest.request',
  timestamp: '2025-01-01T00:00:00Z',
  request_id: 'r',
  decision: 'allow',
  status,
  duration_ms: 10,
  degraded: false,
  api_id: 'pay',
  endpoint: '/pay',
  ...extra,
});

const raw = (events: AuditEvent[]) =>
  Object.fromEntries(events.map((e) => [encodeRecord(toAggregateRecord(e)), '1']));

describe('summaries from raw minute hashes', () => {
  it('uses Tyk semantics: 2xx success, >= 400 error, 1xx and 3xx neither', () => {
    const s = summariesFromRaw(
      raw([
        event('a', 101),
        event('b', 200),
        event('c', 299),
        event('d', 302),
        event('e', 400),
        event('f', 503),
      ]),
    ).get('pay');
    expect(s).toMatchObject({
      requests: 6,
      success: 2,
      errors: 2,
      status: { '101': 1, '200': 1, '299': 1, '302': 1, '400': 1, '503': 1 },
    });
  });

  it('counts each event id once, whatever the field says', () => {
    const fields = raw([event('a', 200), event('b', 500)]);
    // A field for the same id with other content (a bad replay) does not count again.
    fields[encodeRecord(toAggregateRecord(event('a', 404)))] = '3';
    const all = summariesFromRaw(fields).get(ALL_APIS);
    expect(all?.requests).toBe(2);
  });

  it('keeps per-API, per-tool, per-client and per-upstream counts; the all-traffic summary counts APIs', () => {
    const sums = summariesFromRaw(
      raw([
        event('a', 200, { tool: 'echo', client_id: 'c1', upstream: 'up1' }),
        event('b', 200, { api_id: undefined, upstream: 'up-2' }),
        event('c', 200, { api_id: undefined, upstream: 'bad name!' }),
      ]),
    );
    expect(sums.get('pay')).toMatchObject({
      requests: 1,
      tools: { echo: 1 },
      clients: { c1: 1 },
      upstreams: { up1: 1 },
    });
    // Without api_id the upstream counts as the API when it is a valid API id.
    expect(sums.get('up-2')?.requests).toBe(1);
    expect(sums.get(ALL_APIS)).toMatchObject({ requests: 3, apis: { pay: 1, 'up-2': 1 } });
  });

  it('round-trips records and ignores foreign fields', () => {
    const record = toAggregateRecord(
      event('a', 200, { tool: 't', method: 'tools/call', endpoint: undefined }),
    );
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(record.endpoint).toBe('tools/call');
    expect(decodeRecord('not json')).toBeUndefined();
    expect(decodeRecord('[1,2]')).toBeUndefined();
  });

  it('merges summaries by addition', () => {
    const a = summariesFromRaw(raw([event('a', 200), event('b', 500)])).get('pay')!;
    const b = summariesFromRaw(raw([event('c', 404)])).get('pay')!;
    const merged = emptySummary();
    mergeSummary(merged, a);
    mergeSummary(merged, b);
    expect(merged).toMatchObject({
      requests: 3,
      success: 1,
      errors: 2,
      latencySum: 30,
      endpoints: { '/pay': 3 },
    });
  });

  it('caps a dimension, keeping the busiest values and summing the rest', () => {
    const counts = { a: 5, b: 4, c: 3, d: 2, e: 1 };
    expect(capCounts(counts, 3)).toEqual({ a: 5, b: 4, [OTHER]: 6 });
    expect(capCounts(counts, 10)).toBe(counts);
  });
});
