import type { StateStore } from '@mcpgw/state';
import { aggKeys } from './aggregate-keys.js';
import { parseSummary, summariesFromRaw, type Summary } from './summary.js';
import { HOUR_MS, hourOfMinute, MINUTE_MS } from './time-buckets.js';

/** A summary and the start of the bucket it covers. */
export interface Cell {
  startMs: number;
  summary: Summary;
}

/**
 * Reads summaries for a query, always as fresh as the processed data: a bucket whose summary is
 * older than its raw data (its version is behind the write counter) is computed from the raw
 * hash on the spot, so a query never waits for the compactor.
 */
export class SummaryLoader {
  private readonly dirtyCache = new Map<number, Promise<Record<string, string>>>();

  constructor(
    private readonly store: StateStore,
    private readonly api: string,
  ) {}

  /** Cells of `hours`, each hour as one cell when its summary is current, else as minutes. */
  async hours(hours: readonly number[]): Promise<Cell[]> {
    const perHour = await Promise.all(hours.map((h) => this.hour(h)));
    return perHour.flat();
  }

  /** Cells of single minutes. */
  async minutes(minutes: readonly number[]): Promise<Cell[]> {
    const cells = await Promise.all(minutes.map((m) => this.minute(m)));
    return cells.filter((c): c is Cell => c !== undefined);
  }

  private dirty(hour: number): Promise<Record<string, string>> {
    let cached = this.dirtyCache.get(hour);
    if (!cached) {
      cached = this.store.hashGetAll(aggKeys.dirty(hour));
      this.dirtyCache.set(hour, cached);
    }
    return cached;
  }

  private async hour(hour: number): Promise<Cell[]> {
    const dirty = await this.dirty(hour);
    const written = Object.values(dirty).reduce((sum, v) => sum + Number(v), 0);
    const current =
      written === 0 ||
      Number((await this.store.get(aggKeys.hourVersion(hour))) ?? '-1') === written;
    if (current) {
      const summary = parseSummary(await this.store.get(aggKeys.hourSummary(hour, this.api)));
      return summary ? [{ startMs: hour * HOUR_MS, summary }] : [];
    }
    return this.minutes(Object.keys(dirty).map(Number));
  }

  private async minute(minute: number): Promise<Cell | undefined> {
    const dirty = await this.dirty(hourOfMinute(minute));
    const written = dirty[String(minute)];
    // The hour has writes, none in this minute: nothing to read.
    if (written === undefined && Object.keys(dirty).length > 0) return undefined;
    let summary: Summary | undefined;
    const version =
      written === undefined ? undefined : await this.store.get(aggKeys.minuteVersion(minute));
    if (written === undefined || version === written) {
      summary = parseSummary(await this.store.get(aggKeys.minuteSummary(minute, this.api)));
    } else {
      const raw = await this.store.hashGetAll(aggKeys.raw(minute));
      summary = summariesFromRaw(raw).get(this.api);
      // Raw already expired: the stored summary is all there is.
      if (Object.keys(raw).length === 0)
        summary = parseSummary(await this.store.get(aggKeys.minuteSummary(minute, this.api)));
    }
    return summary ? { startMs: minute * MINUTE_MS, summary } : undefined;
  }
}
