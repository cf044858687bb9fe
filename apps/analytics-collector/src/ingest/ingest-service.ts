import { propagation, context } from '@opentelemetry/api';
import { httpErrors } from '@mcpgw/service-kit';
import type { StateStore } from '@mcpgw/state';
import { withSpan } from '@mcpgw/telemetry';
import type { IngestLimits } from '../config.js';
import type { CollectorMetrics } from '../collector-metrics.js';
import { knownEvents } from '../processing/event-ownership.js';
import { checkBatch, type RejectedEvent } from './check-batch.js';
import type { IngestLog } from './ingest-log.js';

/** The answer to `POST /v1/events`. */
export interface IngestResult {
  /** Events stored by this request. */
  accepted: number;
  /** Events already stored earlier (or repeated within the batch): not stored again. */
  duplicates: number;
  /** Refused events, by index, with every failing field. */
  rejected: RejectedEvent[];
}

/**
 * Ingestion: validate per event, rate-limit per caller (in events), drop known ids, then store
 * the batch in the ingest stream; the promise resolves only after Redis has the entry, so an
 * acknowledged batch is never lost. Deduplication here is a fast path; the processor's
 * ownership claim is what guarantees it.
 */
export class IngestService {
  constructor(
    private readonly store: StateStore,
    private readonly log: IngestLog,
    private readonly limits: IngestLimits,
    private readonly metrics: CollectorMetrics,
  ) {}

  async ingest(body: unknown, caller: string): Promise<IngestResult> {
    const checked = checkBatch(body, this.limits.maxBatchEvents);
    if (!checked.ok) {
      this.metrics.eventsRejected.inc({ reason: 'batch_invalid' });
      throw httpErrors.badRequest('the batch is not valid', { errors: checked.errors });
    }
    const { batch } = checked;
    const size = batch.valid.length + batch.rejected.length + batch.repeated;
    const bucket = await this.store.takeTokens(`rl:ingest:${caller}`, {
      capacity: this.limits.rateBurst,
      refillPerSecond: this.limits.ratePerSecond,
      cost: size,
    });
    if (!bucket.allowed) {
      this.metrics.eventsRejected.inc({ reason: 'rate_limited' }, size);
      throw httpErrors.tooManyRequests(bucket.retryAfterMs / 1_000);
    }
    return withSpan(
      'collector.ingest',
      { attributes: { 'collector.batch.events': size } },
      async (span) => {
        const known = await knownEvents(this.store, batch.valid);
        const fresh = batch.valid.filter((e) => !known.has(e.event_id));
        if (fresh.length > 0) {
          const carrier: Record<string, string> = {};
          propagation.inject(context.active(), carrier);
          await this.log.append({
            events: JSON.stringify(fresh),
            received_at: String(Date.now()),
            ...(carrier['traceparent'] && { traceparent: carrier['traceparent'] }),
          });
        }
        const duplicates = known.size + batch.repeated;
        span.setAttributes({
          'collector.batch.accepted': fresh.length,
          'collector.batch.duplicates': duplicates,
          'collector.batch.rejected': batch.rejected.length,
        });
        this.metrics.eventsIngested.inc(fresh.length);
        if (batch.rejected.length > 0)
          this.metrics.eventsRejected.inc({ reason: 'invalid' }, batch.rejected.length);
        if (duplicates > 0) this.metrics.eventsRejected.inc({ reason: 'duplicate' }, duplicates);
        return { accepted: fresh.length, duplicates, rejected: batch.rejected };
      },
    );
  }
}
