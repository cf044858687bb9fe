import { DAY_MS, HOUR_MS, MINUTE_MS } from './time-buckets.js';

/**
 * Redis keys of the aggregates (the store adds `anl:`). Minute `m`, hour `h` and day `d` are
 * bucket indexes since the epoch.
 */
export const aggKeys = {
  /** Hash: encoded record → delivery count. The source of truth while it lives. */
  raw: (m: number) => `agg:raw:${m}`,
  /** Hash: minute → number of writes to its raw hash (a version counter). */
  dirty: (h: number) => `agg:dirty:${h}`,
  /** Hash: hour → number of writes in that hour (tells the compactor where to look). */
  dirtyHours: (d: number) => `agg:dh:${d}`,
  minuteSummary: (m: number, api: string) => `agg:m:${m}:${api}`,
  /** The `dirty` version the minute summaries were computed from. */
  minuteVersion: (m: number) => `agg:mv:${m}`,
  /** Hash: API → 1, every API seen in the hour. */
  hourApis: (h: number) => `agg:apis:${h}`,
  hourSummary: (h: number, api: string) => `agg:h:${h}:${api}`,
  /** Sum of the minute versions the hour summaries were computed from. */
  hourVersion: (h: number) => `agg:hv:${h}`,
  /** The `dirtyHours` count the compactor last finished for this hour. */
  hourDone: (h: number) => `agg:hd:${h}`,
  compactorLock: 'agg:compactor',
} as const;

/** How long each kind of key lives, given the late-event horizon. */
export interface AggregateTtls {
  raw(m: number, now: number): number;
  dirty(h: number, now: number): number;
  dirtyHours(d: number, now: number): number;
  minuteSummary(m: number, now: number): number;
  hourSummary(h: number, now: number): number;
}

const MIN_TTL_MS = 60_000;
const atLeast = (ms: number): number => Math.max(MIN_TTL_MS, Math.ceil(ms));

/**
 * Raw data lives until no event can be added to its minute any more (late horizon) plus an hour
 * for the compactor; minute summaries 24 h (or as long as their hour may still be recomputed);
 * hour summaries 30 days.
 */
export function aggregateTtls(lateEventMs: number): AggregateTtls {
  const grace = HOUR_MS;
  return {
    raw: (m, now) => atLeast((m + 1) * MINUTE_MS + lateEventMs + grace - now),
    dirty: (h, now) => atLeast((h + 1) * HOUR_MS + lateEventMs + grace - now),
    dirtyHours: (d, now) => atLeast((d + 1) * DAY_MS + lateEventMs + grace - now),
    minuteSummary: (m, now) =>
      atLeast((m + 1) * MINUTE_MS + Math.max(DAY_MS, lateEventMs + HOUR_MS) + grace - now),
    hourSummary: (h, now) =>
      atLeast((h + 1) * HOUR_MS + Math.max(30 * DAY_MS, lateEventMs + HOUR_MS) + grace - now),
  };
}
