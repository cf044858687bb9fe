/**
 * The open-loop schedule of a fixed-rate run: request `i` is due `i / rate` seconds after the
 * start, whatever happened to the requests before it (so a slow answer cannot delay the next
 * send, and latency counted from the due time does not hide queueing: no coordinated omission).
 */

/** How many requests a run of `durationS` at `rate`/s schedules: every `i` due before the end. */
export function scheduledCount(rate: number, durationS: number): number {
  if (!(rate > 0) || !(durationS > 0)) return 0;
  return Math.ceil(rate * durationS - 1e-9);
}

/** Milliseconds after the start at which request `i` is due. */
export function dueOffsetMs(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/**
 * How many requests are due `elapsedMs` after the start (all `i` with a due time ≤ elapsed),
 * capped at `total`. A sender that is behind sends exactly the overdue ones and nothing ahead of
 * the schedule, so catching up never bursts past the schedule.
 */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (!(elapsedMs >= 0) || !(rate > 0)) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}
