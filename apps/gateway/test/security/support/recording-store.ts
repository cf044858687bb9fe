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
  const streamAppend: StateStore['streamAppend'] = async (stream, fields, options) => {
    if (stream === AUDIT_OUTBOX && recording.failOutbox) {
      throw new StoreUnavailableError('disconnected');
    }
    const id = await inner.streamAppend(stream, fields, options);
    if (stream === AUDIT_OUTBOX) {
      const event = JSON.parse(fields['event'] ?? '{}') as {
        type: string;
        trace_id?: string;
        request_id: string;
      };
      recording.acked.push({
        type: event.type,
        requestId: event.request_id,
        at: performance.now(),
        ...(event.trace_id ? { traceId: event.trace_id } : {}),
      });
    }
    return id;
  };
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'streamAppend') return streamAppend;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  recording.store = proxy;
  return recording;
}
