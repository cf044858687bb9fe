import type { StateStore } from '@mcpgw/state';
import { CappedStream } from '../support/capped-stream.js';

/** Keys of the ingest stream (the store adds `anl:`). */
export const ingestKeys = {
  stream: 'ingest',
  group: 'processors',
} as const;

/** Processed batches kept in the stream besides the unprocessed ones. */
export const INGEST_RETAIN_PROCESSED = 1_000;

/** Fields of one ingest stream entry (one accepted HTTP batch). */
export interface IngestEntryFields {
  /** JSON array of the batch's valid, new events. */
  events: string;
  /** Epoch ms at receipt. */
  received_at: string;
  /** W3C traceparent of the ingest request, so processing joins its trace. */
  traceparent?: string;
}

/** The durable, capped stream of raw event batches; see {@link CappedStream}. */
export class IngestLog {
  private readonly stream: CappedStream;

  constructor(store: StateStore) {
    this.stream = new CappedStream(store, ingestKeys.stream, INGEST_RETAIN_PROCESSED);
  }

  append(fields: IngestEntryFields): Promise<string> {
    const record: Record<string, string> = {
      events: fields.events,
      received_at: fields.received_at,
    };
    if (fields.traceparent) record['traceparent'] = fields.traceparent;
    return this.stream.append(record);
  }

  acknowledged(count: number): Promise<void> {
    return this.stream.acknowledged(count);
  }

  backlog(): Promise<number> {
    return this.stream.backlog();
  }
}
