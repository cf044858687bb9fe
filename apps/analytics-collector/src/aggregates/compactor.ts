import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { aggKeys, aggregateTtls, type AggregateTtls } from './aggregate-keys.js';
import { ALL_APIS, emptySummary, mergeSummary, parseSummary, summariesFromRaw } from './summary.js';
import { dayOf, HOUR_MS, hourOfMinute, range } from './time-buckets.js';

const LOCK_TTL_MS = 60_000;

/** Outcome of one compaction pass. */
export interface CompactionResult {
  /** False when another replica held the compactor lock. */
  ran: boolean;
  minutes: number;
  hours: number;
}

/**
 * Turns raw minute hashes into minute summaries and minute summaries into hour summaries.
 * Every write is an absolute SET of a value computed from the raw data, so a pass interrupted
 * anywhere (kill -9) is simply redone; the lock only saves replicas from doing the same work.
 */
export class Compactor {
  private readonly ttls: AggregateTtls;

  constructor(
    private readonly store: StateStore,
    private readonly lateEventMs: number,
    private readonly logger: Logger,
  ) {
    this.ttls = aggregateTtls(lateEventMs);
  }

  async runOnce(now: number): Promise<CompactionResult> {
    const lock = await this.store.acquireLock(aggKeys.compactorLock, LOCK_TTL_MS);
    if (!lock) return { ran: false, minutes: 0, hours: 0 };
    const result: CompactionResult = { ran: true, minutes: 0, hours: 0 };
    try {
      for (const day of range(dayOf(now - this.lateEventMs - HOUR_MS), dayOf(now))) {
        const hours = await this.store.hashGetAll(aggKeys.dirtyHours(day));
        for (const [hourText, countText] of Object.entries(hours)) {
          const hour = Number(hourText);
          const done = Number((await this.store.get(aggKeys.hourDone(hour))) ?? '0');
          if (done >= Number(countText)) continue;
          result.minutes += await this.compactHour(hour, now);
          result.hours++;
          await this.store.set(aggKeys.hourDone(hour), countText, {
            ttlMs: this.ttls.dirty(hour, now),
          });
        }
      }
    } finally {
      await lock
        .release()
        .catch((err: unknown) => this.logger.warn('compactor lock release failed', { err }));
    }
    return result;
  }

  /** Recomputes the stale minutes of `hour`, then the hour summaries; returns the minutes redone. */
  private async compactHour(hour: number, now: number): Promise<number> {
    const dirty = await this.store.hashGetAll(aggKeys.dirty(hour));
    const minutes = Object.keys(dirty).map(Number);
    const versions = await Promise.all(
      minutes.map((m) => this.store.get(aggKeys.minuteVersion(m))),
    );
    const stale = minutes.filter((m, i) => Number(versions[i] ?? '0') < Number(dirty[String(m)]));
    for (const minute of stale)
      await this.compactMinute(minute, Number(dirty[String(minute)]), now);

    const apis = [ALL_APIS, ...Object.keys(await this.store.hashGetAll(aggKeys.hourApis(hour)))];
    const ttlMs = this.ttls.hourSummary(hour, now);
    await Promise.all(
      apis.map(async (api) => {
        const parts = await Promise.all(
          minutes.map((m) => this.store.get(aggKeys.minuteSummary(m, api))),
        );
        const merged = emptySummary();
        for (const part of parts) {
          const s = parseSummary(part);
          if (s) mergeSummary(merged, s);
        }
        await this.store.set(aggKeys.hourSummary(hour, api), JSON.stringify(merged), { ttlMs });
      }),
    );
    const version = Object.values(dirty).reduce((sum, v) => sum + Number(v), 0);
    await this.store.set(aggKeys.hourVersion(hour), String(version), { ttlMs });
    return stale.length;
  }

  private async compactMinute(minute: number, version: number, now: number): Promise<void> {
    const raw = await this.store.hashGetAll(aggKeys.raw(minute));
    const ttlMs = this.ttls.minuteSummary(minute, now);
    // The raw hash outlived by its version counter: the summaries already hold all there was.
    if (Object.keys(raw).length > 0) {
      const hour = hourOfMinute(minute);
      const summaries = summariesFromRaw(raw);
      await Promise.all(
        [...summaries].map(([api, s]) =>
          this.store.set(aggKeys.minuteSummary(minute, api), JSON.stringify(s), { ttlMs }),
        ),
      );
      const apis = [...summaries.keys()].filter((api) => api !== ALL_APIS);
      await Promise.all(apis.map((api) => this.store.hashIncrBy(aggKeys.hourApis(hour), api, 1)));
      if (apis.length > 0)
        await this.store.expire(aggKeys.hourApis(hour), this.ttls.hourSummary(hour, now));
    }
    await this.store.set(aggKeys.minuteVersion(minute), String(version), { ttlMs });
  }
}
