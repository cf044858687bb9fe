/** Bucket arithmetic on epoch milliseconds; buckets are named by their index since the epoch. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Index of the minute containing `ms`. */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);
/** Index of the hour containing `ms`. */
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);
/** Index of the UTC day containing `ms`. */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
/** Index of the hour containing minute `minute`. */
export const hourOfMinute = (minute: number): number => Math.floor(minute / 60);
/** The 60 minute indexes of hour `hour`. */
export function minutesOfHour(hour: number): number[] {
  return Array.from({ length: 60 }, (_, i) => hour * 60 + i);
}
/** Inclusive integer range. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
/** ISO timestamp of a bucket start. */
export const iso = (ms: number): string => new Date(ms).toISOString();
