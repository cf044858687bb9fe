import { context, propagation, type Context } from '@opentelemetry/api';
import type { StateStore, StreamEntry } from '@mcpgw/state';
import { withSpan, type Logger } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import type { AggregateWriter } from '../aggregates/aggregate-writer.js';
import type { CollectorMetrics } from '../collector-metrics.js';
import { BadEntryError } from '../errors.js';
import type { RuleEngine } from '../rules/rule-engine.js';
import type { CappedLog } from '../support/capped-log.js';
import { claimEvents } from './event-ownership.js';

/** What processing needs. */
export interface EntryProcessorDeps {
  store: StateStore;
  aggregates: AggregateWriter;
  audit: CappedLog<AuditEvent>;
  rules: RuleEngine;
  metrics: CollectorMetrics;
  logger: Logger;
  dedupWindowMs: number;
  now: () => number;
}

function parseEntry(entry: StreamEntry): {
  events: AuditEvent[];
  receivedAt: number;
  parent: Context;
} {
  let events: unknown;
  try {
    events = JSON.parse(entry.fields['events'] ?? '');
  } catch (err) {
    throw new BadEntryError(`ingest entry ${entry.id} is not JSON`, { cause: err });
  }
  if (!Array.isArray(events))
    throw new BadEntryError(`ingest entry ${entry.id} holds no event list`);
  const traceparent = entry.fields['traceparent'];
  const parent = traceparent
    ? propagation.extract(context.active(), { traceparent })
    : context.active();
  return {
    events: events as AuditEvent[],
    receivedAt: Number(entry.fields['received_at'] ?? '0'),
    parent,
  };
}

/**
 * Processes one ingest entry: claim its new events, add them to the aggregates (exactly once),
 * the audit log (idempotent by entry id) and the rules engine (at least once). Every step may
 * be repeated by a redelivery, so the entry is acknowledged only after all of them.
 */
export class EntryProcessor {
  constructor(private readonly deps: EntryProcessorDeps) {}

  /**
   * Handles a delivery; returns the ids to acknowledge. Stops at the first store failure: that
   * entry and the ones after it stay pending, and the stream worker hands them over again after
   * a short backoff. Re-processing is safe (see the class comment).
   */
  async handle(entries: readonly StreamEntry[]): Promise<string[]> {
    const done: string[] = [];
    for (const entry of entries) {
      try {
        await this.process(entry);
        this.deps.metrics.entriesProcessed.inc({ outcome: 'ok' });
      } catch (err) {
        if (!(err instanceof BadEntryError)) {
          // Left pending: retried after the stream worker's backoff (see StreamWorker).
          this.deps.logger.warn('ingest entry processing failed; will retry', {
            entry: entry.id,
            err,
          });
          break;
        }
        this.deps.metrics.entriesProcessed.inc({ outcome: 'bad_entry' });
        this.deps.logger.error('dropping unreadable ingest entry', { entry: entry.id, err });
      }
      done.push(entry.id);
    }
    return done;
  }

  private async process(entry: StreamEntry): Promise<void> {
    const { events, receivedAt, parent } = parseEntry(entry);
    const d = this.deps;
    await withSpan(
      'collector.process',
      {
        parent,
        attributes: { 'collector.entry': entry.id, 'collector.batch.events': events.length },
      },
      async (span) => {
        const owned = await claimEvents(d.store, events, entry.id, d.dedupWindowMs);
        // The audit log first: once an event shows in the aggregates it is also queryable.
        await d.audit.append(owned, entry.id);
        const now = d.now();
        // A gateway's write-ahead `mcp.forward` record precedes the request's own event: it is
        // kept in the audit trail but not counted as traffic (the `mcp.request` event is).
        const written = await d.aggregates.write(
          owned.filter((event) => event.type !== 'mcp.forward'),
          now,
        );
        if (written.tooLate > 0)
          d.metrics.eventsNotAggregated.inc({ reason: 'too_late' }, written.tooLate);
        if (written.clockSkew > 0)
          d.metrics.eventsNotAggregated.inc({ reason: 'clock_skew' }, written.clockSkew);
        const fired = await d.rules.evaluate(owned, entry.id, now);
        span.setAttributes({
          'collector.batch.owned': owned.length,
          'collector.rules.fired': fired,
        });
        if (receivedAt > 0)
          d.metrics.ingestionLag.observe(Math.max(0, d.now() - receivedAt) / 1_000);
      },
    );
  }
}
