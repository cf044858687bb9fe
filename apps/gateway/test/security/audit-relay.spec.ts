import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { AUDIT_OUTBOX, AuditRecorder, type AuditInput } from '../../src/audit/audit-recorder.js';
import { AuditRelay } from '../../src/audit/audit-relay.js';
import { startCollectorReceiver } from './support/collector-receiver.js';

const input = (i: number): AuditInput => ({ type: 'mcp.request', request_id: `req-${i}`, decision: 'allow', status: 200, duration_ms: 1, degraded: false });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls `check` (at most 5 s). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i += 1) await new Promise((r) => setTimeout(r, 25));
}

async function relayed(store = createStateStore({ keyPrefix: 'relay:' }), options: { lingerMs?: number } = {}) {
  const collector = await startCollectorReceiver();
  cleanups.push(() => collector.close());
  const out = new PassThrough();
  let log = '';
  out.on('data', (c: Buffer) => (log += c.toString('utf8')));
  const logger = createLogger({ service: 'gateway', stream: out });
  const relay = new AuditRelay({ store, logger, collectorUrl: collector.url, token: undefined, ...options });
  return { store, collector, recorder: new AuditRecorder(store, logger), relay, log: () => log };
}

describe('AuditRelay', () => {
  it('ships the events as recorded and trims them from the outbox', async () => {
    const { store, collector, recorder, relay } = await relayed();
    const recorded = [await recorder.record(input(1)), await recorder.record(input(2))];
    relay.start();
    cleanups.push(() => relay.stop());
    await until(async () => collector.received.length === 2 && (await store.streamLength(AUDIT_OUTBOX)) === 0);
    expect(collector.received).toEqual(recorded);
    expect(await store.streamLength(AUDIT_OUTBOX)).toBe(0);
  });

  it('under a steady trickle, batches events and still ships each within a few tens of milliseconds', async () => {
    const { collector, recorder, relay } = await relayed();
    relay.start();
    cleanups.push(() => relay.stop());
    // One event every ~4 ms: the relay drains the outbox, lingers, and finds the next few waiting.
    const recordedAt = new Map<string, number>();
    for (let i = 0; i < 100; i += 1) {
      recordedAt.set(`req-${i}`, performance.now());
      await recorder.record(input(i));
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await until(() => collector.received.length >= 100);
    const ages = collector.received
      .map((event, i) => (collector.receivedAt[i] as number) - (recordedAt.get(event.request_id ?? '') as number))
      .sort((a, b) => a - b);
    expect(ages).toHaveLength(100);
    // Batched: fewer POSTs than events (about 25 on a quiet machine).
    expect(collector.authorizations.length).toBeLessThan(70);
    // A long linger keeps events in the in-process outbox long enough to be promoted to the old
    // generation (ADR 0009): at 100 ms the median event waited about 50 ms; at 20 ms, about 10.
    expect(ages[50]).toBeLessThan(35);
  });

  it('drops only the entries that are not JSON objects, once the collector refused their batch', async () => {
    const { store, collector, recorder, relay, log } = await relayed();
    await recorder.record(input(1));
    await store.streamAppend(AUDIT_OUTBOX, { event: '{"not json' });
    await recorder.record(input(3));
    // Two objects in one entry would pass as two events if shipped as text: it is not one object.
    await store.streamAppend(AUDIT_OUTBOX, { event: '{"a":1},{"b":2}' });
    await recorder.record(input(4));
    relay.start();
    cleanups.push(() => relay.stop());
    await until(() => collector.received.length === 3 && (log().match(/not JSON objects dropped/g) ?? []).length === 1);
    expect(collector.received.map((e) => e.request_id)).toEqual(['req-1', 'req-3', 'req-4']);
    expect(collector.refused).toBe(1); // the batch once; then the rest went through without splitting
    expect(log()).toContain('"count":2');
  });
});

describe('AuditRelay at shutdown', () => {
  it('with a drain, ships what the outbox still holds before it stops', async () => {
    // A long linger, so that the events below are still in the outbox when the relay is stopped.
    const { collector, recorder, relay } = await relayed(undefined, { lingerMs: 300 });
    relay.start();
    await recorder.record(input(1));
    await until(() => collector.received.length === 1);
    // The relay lingers after its partial batch; these arrive meanwhile.
    for (let i = 2; i <= 6; i += 1) await recorder.record(input(i));
    await relay.stop({ drainTimeoutMs: 3_000 });
    expect(collector.received.map((e) => e.request_id)).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
  });

  it('without one, stops after the batch in hand (a durable outbox is shipped by the next relay)', async () => {
    const { store, collector, recorder, relay } = await relayed(undefined, { lingerMs: 300 });
    relay.start();
    await recorder.record(input(1));
    await until(() => collector.received.length === 1);
    for (let i = 2; i <= 6; i += 1) await recorder.record(input(i));
    await relay.stop();
    expect(collector.received).toHaveLength(1);
    expect(await store.streamLength(AUDIT_OUTBOX)).toBe(5);
  });

  it('stops at once while it backs off from a collector that keeps failing, drain or not', async () => {
    for (const options of [{}, { drainTimeoutMs: 3_000 }]) {
      const { collector, recorder, relay, log } = await relayed();
      await collector.close();
      await recorder.record(input(1));
      relay.start();
      // After its fourth failure the relay backs off for 1.6–3.2 s.
      await until(() => log().includes('"failures":4'));
      const started = performance.now();
      await relay.stop(options);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it('a drain ends at once when the collector fails, instead of backing off', async () => {
    const { collector, recorder, relay, log } = await relayed();
    relay.start();
    await recorder.record(input(1));
    await until(() => collector.received.length === 1);
    await collector.close();
    await recorder.record(input(2));
    const started = performance.now();
    await relay.stop({ drainTimeoutMs: 3_000 });
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(log()).toContain('failed while draining at shutdown');
  });
});
