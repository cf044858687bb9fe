import type { StateStore } from '@mcpgw/state';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { aggKeys, aggregateTtls, type AggregateTtls } from './aggregate-keys.js';
import { encodeRecord, toAggregateRecord } from './raw-record.js';
import { dayOf, hourOfMinute, MINUTE_MS, minuteOf } from './time-buckets.js';

/** Events ahead of the collector's clock by more than this are not aggregated. */
export const MAX_CLOCK_SKEW_MS = 5 * MINUTE_MS;

export interface AggregateWriteResult {
  written: number;
  tooLate: number;
  clockSkew: number;
}

/**
 * Writes events into the raw minute hashes. Each event is one HINCRBY on a field named by the
 * event itself, so a redelivered event lands on the same field and the set of fields stays
 * the set of distinct events: counting is exactly once without any cross-key transaction.
 * Version counters are bumped only after the raw writes, so a compactor that reads version v
 * always finds at least the data of v.
 */
export class AggregateWriter {
  private readonly ttls: AggregateTtls;

  constructor(
    private readonly store: StateStore,
    private readonly lateEventMs: number,
  ) {
    this.ttls = aggregateTtls(lateEventMs);
  }

  async write(events: readonly AuditEvent[], now: number): Promise<AggregateWriteResult> {
    const result: AggregateWriteResult = { written: 0, tooLate: 0, clockSkew: 0 };
    const minutes = new Set<number>();
    const writes: Array<Promise<number>> = [];
    for (const event of events) {
      const at = Date.parse(event.timestamp);
      if (at < now - this.lateEventMs) {
        result.tooLate++;
        continue;
      }
      if (at > now + MAX_CLOCK_SKEW_MS) {
        result.clockSkew++;
        continue;
      }
      const minute = minuteOf(at);
      minutes.add(minute);
      writes.push(
        this.store.hashIncrBy(aggKeys.raw(minute), encodeRecord(toAggregateRecord(event)), 1),
      );
      result.written++;
    }
    await Promise.all(writes);
    await Promise.all(
      [...minutes].map((m) => this.store.expire(aggKeys.raw(m), this.ttls.raw(m, now))),
    );
    const hours = new Set<number>();
    await Promise.all(
      [...minutes].map((m) => {
        hours.add(hourOfMinute(m));
        return this.store.hashIncrBy(aggKeys.dirty(hourOfMinute(m)), String(m), 1);
      }),
    );
    const days = new Set<number>();
    await Promise.all(
      [...hours].flatMap((h) => {
        const day = dayOf(h * 3_600_000);
        days.add(day);
        return [
          this.store.expire(aggKeys.dirty(h), this.ttls.dirty(h, now)),
          this.store.hashIncrBy(aggKeys.dirtyHours(day), String(h), 1),
        ];
      }),
    );
    await Promise.all(
      [...days].map((d) => this.store.expire(aggKeys.dirtyHours(d), this.ttls.dirtyHours(d, now))),
    );
    return result;
  }
}
