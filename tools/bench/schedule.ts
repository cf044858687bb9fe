/**
 * The open-loop schedule of a fixed-rate run: request `i` is due at its offset after the start,
 * whatever happened to the requests before it (so a slow answer cannot delay the next send, and
 * latency counted from the due time does not hide queueing: no coordinated omission).
 *
 * Two arrival processes at the same mean rate:
 * - `uniform`: request `i` is due `i / rate` seconds after the start (what "fixed rate" means in
 *   wrk2 and k6's constant-arrival-rate);
 * - `poisson`: independent arrivals, exponential gaps with mean `1 / rate` (many clients acting on
 *   their own), from a seeded generator so two runs with the same seed send at the same times.
 */
export type Arrivals = 'uniform' | 'poisson';

export const ARRIVALS: readonly Arrivals[] = ['uniform', 'poisson'];

/** How many requests a uniform run of `durationS` at `rate`/s schedules: every `i` due before the end. */
export function scheduledCount(rate: number, durationS: number): number {
  if (!(rate > 0) || !(durationS > 0)) return 0;
  return Math.ceil(rate * durationS - 1e-9);
}

export class Schedule {
  private constructor(
    /** Due times in ms after the start, ascending. */
    readonly offsetsMs: Float64Array,
  ) {}

  /** Every request due before `durationS` ends, at `rate`/s. */
  static of(arrivals: Arrivals, rate: number, durationS: number, seed = 1): Schedule {
    return arrivals === 'poisson'
      ? Schedule.poisson(rate, durationS, seed)
      : Schedule.uniform(rate, durationS);
  }

  static uniform(rate: number, durationS: number): Schedule {
    const offsets = new Float64Array(scheduledCount(rate, durationS));
    for (let i = 0; i < offsets.length; i += 1) offsets[i] = (i * 1000) / rate;
    return new Schedule(offsets);
  }

  static poisson(rate: number, durationS: number, seed: number): Schedule {
    if (!(rate > 0) || !(durationS > 0)) return new Schedule(new Float64Array(0));
    const endMs = durationS * 1000;
    const random = mulberry32(seed);
    const offsets: number[] = [];
    // The first request at the start, like the uniform schedule; then exponential gaps.
    for (let at = 0; at < endMs; at += (-Math.log(1 - random()) * 1000) / rate) offsets.push(at);
    return new Schedule(Float64Array.from(offsets));
  }

  get total(): number {
    return this.offsetsMs.length;
  }

  offsetMs(i: number): number {
    return this.offsetsMs[i] ?? Number.POSITIVE_INFINITY;
  }

  /**
   * How many requests are due `elapsedMs` after the start (all with an offset ≤ elapsed). A sender
   * that is behind sends exactly the overdue ones and nothing ahead of the schedule, so catching up
   * never bursts past the schedule.
   */
  dueCount(elapsedMs: number): number {
    if (!(elapsedMs >= 0)) return 0;
    return this.firstAbove(elapsedMs + 1e-9);
  }

  /** How many requests are due strictly before `ms` (the warm-up's share of the run). */
  countBefore(ms: number): number {
    return this.firstAbove(ms - 1e-9);
  }

  /** The index of the first offset above `ms` (binary search). */
  private firstAbove(ms: number): number {
    let low = 0;
    let high = this.offsetsMs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.offsetsMs[mid] as number) <= ms) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** A small seeded PRNG (mulberry32): the same seed gives the same arrivals. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
