import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStateStore, StoreUnavailableError, type StateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { AUDIT_OUTBOX, AuditRecorder, type AuditInput } from './audit-recorder.js';

const input = (i: number): AuditInput => ({
  type: 'mcp.request',
  request_id: `req-${i}`,
  method: 'tools/call',
  decision: 'allow',
  status: 200,
  duration_ms: 1,
  degraded: false,
});

/** A memory store posing as a shared one (batching applies to shared stores), counting batch writes. */
function countingStore(fail = false, kind: 'redis' | 'memory' = 'redis'): { store: StateStore; batches: number[]; singles: () => number } {
  const inner = createStateStore({ keyPrefix: 't:' });
  const batches: number[] = [];
  let singles = 0;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'kind') return kind;
      if (prop === 'streamAppend') {
        return (...args: Parameters<StateStore['streamAppend']>) => {
          singles += 1;
          return target.streamAppend(...args);
        };
      }
      if (prop === 'streamAppendMany') {
        return async (stream: string, entries: readonly Record<string, string>[], options: unknown) => {
          batches.push(entries.length);
          if (fail) throw new StoreUnavailableError('disconnected');
          return target.streamAppendMany(stream, entries, options as undefined);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, batches, singles: () => singles };
}

function logged(): { stream: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('AuditRecorder', () => {
  it('writes the events recorded in one turn of the event loop in one store round trip, in order', async () => {
    const { store, batches } = countingStore();
    const log = logged();
    const recorder = new AuditRecorder(store, createLogger({ service: 'gateway', stream: log.stream }));
    const events = await Promise.all(Array.from({ length: 40 }, (_, i) => recorder.record(input(i))));
    expect(batches).toEqual([40]);
    await store.streamEnsureGroup(AUDIT_OUTBOX, 'g');
    const entries = await store.streamReadGroup(AUDIT_OUTBOX, 'g', 'c', { count: 100 });
    expect(entries.map((e) => (JSON.parse(e.fields['event'] ?? '{}') as { request_id: string }).request_id)).toEqual(events.map((e) => e.request_id));
    expect(log.lines().filter((l) => l['message'] === 'audit')).toHaveLength(40);
    await store.close();
  });

  it('writes at once with the in-process store (no round trip to share)', async () => {
    const { store, batches, singles } = countingStore(false, 'memory');
    const recorder = new AuditRecorder(store, createLogger({ service: 'gateway', stream: new PassThrough() }));
    await Promise.all([recorder.record(input(1)), recorder.record(input(2))]);
    expect(batches).toEqual([]);
    expect(singles()).toBe(2);
    expect(await store.streamLength(AUDIT_OUTBOX)).toBe(2);
    await store.close();
  });

  it('rejects every caller of a batch the store refused', async () => {
    const { store } = countingStore(true);
    const recorder = new AuditRecorder(store, createLogger({ service: 'gateway', stream: new PassThrough() }));
    const results = await Promise.allSettled([recorder.record(input(1)), recorder.record(input(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await store.close();
  });

  it('builds write-ahead records without writing them (they travel with the admission) and logs them at debug only', async () => {
    const { store, batches } = countingStore();
    const info = logged();
    const recorder = new AuditRecorder(store, createLogger({ service: 'gateway', level: 'info', stream: info.stream }));
    const append = recorder.writeAhead({ ...input(7), type: 'mcp.forward', status: 102, upstream: undefined });
    expect(append.stream).toBe(AUDIT_OUTBOX);
    const event = JSON.parse(append.fields['event'] ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ v: 1, type: 'mcp.forward', request_id: 'req-7', status: 102 });
    expect(event).not.toHaveProperty('upstream');
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([]);
    expect(info.lines()).toEqual([]);
    await store.close();
  });
});
