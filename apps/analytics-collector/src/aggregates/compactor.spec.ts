import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { aggKeys } from './aggregate-keys.js';
import { AggregateWriter } from './aggregate-writer.js';
import { readApiAnalytics } from './analytics-reader.js';
import { Compactor } from './compactor.js';
import { HOUR_MS, hourOf, minuteOf } from './time-buckets.js';

const logger = createLogger({ service: 'test', level: 'error' });
const NOW = Date.parse('2025-03-10T12:30:30Z');

const event = (at: number, status = 200, duration = 10): AuditEvent => ({
  v: 1,
  event_id: randomUUID(),
  type: 'rest.request',
  timestamp: new Date(at).toISOString(),
  request_id: 'r',
  decision: 'allow',
  status,
  duration_ms: duration,
  degraded: false,
  api_id: 'pay',
  endpoint: '/pay',
});

describe('aggregate writer, compactor and reader', () => {
  let store: MemoryStateStore;
  afterEach(async () => {
    await store.close();
  });

  it('reads fresh data before compaction, the same after it, and again after a late event', async () => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const writer = new AggregateWriter(store, 2 * HOUR_MS);
    const compactor = new Compactor(store, 2 * HOUR_MS, logger);
    const events = [
      event(NOW - 5 * 60_000),
      event(NOW - 70 * 60_000, 500, 30),
      event(NOW - 20_000, 404, 5),
    ];
    await writer.write(events, NOW);

    const fresh = await readApiAnalytics(store, 'pay', '24h', NOW);
    expect(fresh).toMatchObject({
      total_requests: 3,
      successful_requests: 1,
      error_requests: 2,
      avg_response_time: 15,
    });

    const run = await compactor.runOnce(NOW);
    expect(run).toMatchObject({ ran: true, minutes: 3, hours: 2 });
    expect(await store.get(aggKeys.hourSummary(hourOf(NOW), 'pay'))).not.toBeNull();
    const compacted = await readApiAnalytics(store, 'pay', '24h', NOW);
    expect({ ...compacted, timestamp: '' }).toEqual({ ...fresh, timestamp: '' });
    expect(await compactor.runOnce(NOW)).toMatchObject({ minutes: 0, hours: 0 });

    // A late event for an already compacted minute makes that hour stale until recompacted.
    await writer.write([event(NOW - 5 * 60_000, 201)], NOW);
    expect((await readApiAnalytics(store, 'pay', '7d', NOW)).total_requests).toBe(4);
    expect(await compactor.runOnce(NOW)).toMatchObject({ minutes: 1, hours: 1 });
    expect((await readApiAnalytics(store, 'pay', '30d', NOW)).total_requests).toBe(4);
  });

  it('counts a redelivered event once', async () => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const writer = new AggregateWriter(store, HOUR_MS);
    const e = event(NOW - 60_000);
    await writer.write([e], NOW);
    await writer.write([e], NOW);
    expect((await readApiAnalytics(store, 'pay', '24h', NOW)).total_requests).toBe(1);
    await new Compactor(store, HOUR_MS, logger).runOnce(NOW);
    expect((await readApiAnalytics(store, 'pay', '24h', NOW)).total_requests).toBe(1);
  });

  it('leaves out events older than the late horizon or ahead of the clock', async () => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const writer = new AggregateWriter(store, HOUR_MS);
    const result = await writer.write(
      [event(NOW - 2 * HOUR_MS), event(NOW + 10 * 60_000), event(NOW)],
      NOW,
    );
    expect(result).toEqual({ written: 1, tooLate: 1, clockSkew: 1 });
  });

  it('keeps a summary when its raw hash expired before the version counter', async () => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const writer = new AggregateWriter(store, HOUR_MS);
    const compactor = new Compactor(store, HOUR_MS, logger);
    await writer.write([event(NOW - 60_000), event(NOW - 60_000)], NOW);
    await compactor.runOnce(NOW);
    const minute = minuteOf(NOW - 60_000);
    await store.delete(aggKeys.raw(minute));
    await store.hashIncrBy(aggKeys.dirty(hourOf(NOW)), String(minute), 1);
    expect((await readApiAnalytics(store, 'pay', '24h', NOW)).total_requests).toBe(2);
    await store.hashIncrBy(
      aggKeys.dirtyHours(Math.floor(NOW / 86_400_000)),
      String(hourOf(NOW)),
      1,
    );
    await compactor.runOnce(NOW);
    expect((await readApiAnalytics(store, 'pay', '24h', NOW)).total_requests).toBe(2);
  });

  it('skips a pass while another replica holds the compactor lock', async () => {
    store = new MemoryStateStore({ keyPrefix: 'anl:' });
    const lock = await store.acquireLock(aggKeys.compactorLock, 10_000);
    expect(await new Compactor(store, HOUR_MS, logger).runOnce(NOW)).toEqual({
      ran: false,
      minutes: 0,
      hours: 0,
    });
    await lock?.release();
  });
});
