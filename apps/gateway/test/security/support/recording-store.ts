import { StoreUnavailableError, type StateStore } from '@mcpgw/state';
import { AUDIT_OUTBOX } from '../../../src/audit/audit-recorder.js';

/** An outbox append the store acknowledged, with the moment it did (performance.now()). */
export interface AckedAppend {
  readonly type: string;
  readonly traceId?: string;
  readonly requestId: string;
  readonly at: number;
}

/** A state store that records every acknowledged outbox append and can be told to refuse them. */
export interface RecordingStore {
  /** The wrapped store to give the gateway. */
  store: StateStore;
  readonly acked: AckedAppend[];
  /** While true, outbox appends fail as a down store's would (everything else still works). */
  failOutbox: boolean;
}

/**
 * Wraps a store (a Proxy, so every other method is the real one): the write-ahead audit record is
 * observable from the test, which can then prove that no call reached an upstream unrecorded.
 */
export function recordingStore(inner: StateStore): RecordingStore {
  const recording: RecordingStore = { store: inner, acked: [], failOutbox: false };
  const refuseOutbox = (stream: string) => {
    if (stream === AUDIT_OUTBOX && recording.failOutbox) throw new StoreUnavailableError('disconnected');
  };
  const acknowledge = (stream: string, fields: Record<string, string>) => {
    if (stream !== AUDIT_OUTBOX) return;
    const event = JSON.parse(fields['event'] ?? '{}') as { type: string; trace_id?: string; request_id: string };
    recording.acked.push({
      type: event.type,
      requestId: event.request_id,
      at: performance.now(),
      ...(event.trace_id ? { traceId: event.trace_id } : {}),
    });
  };
  const overrides: Partial<StateStore> = {
    streamAppend: async (stream, fields, options) => {
      refuseOutbox(stream);
      const id = await inner.streamAppend(stream, fields, options);
      acknowledge(stream, fields);
      return id;
    },
    streamAppendMany: async (stream, entries, options) => {
      refuseOutbox(stream);
      const ids = await inner.streamAppendMany(stream, entries, options);
      for (const fields of entries) acknowledge(stream, fields);
      return ids;
    },
    // The write-ahead record travels with the rate-limit admission.
    admit: async (request) => {
      if (request.append) refuseOutbox(request.append.stream);
      const result = await inner.admit(request);
      if (result.allowed && request.append) acknowledge(request.append.stream, request.append.fields);
      return result;
    },
  };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof StateStore];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  recording.store = proxy;
  return recording;
}
