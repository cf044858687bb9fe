/** The soak's arithmetic: RSS growth and slope, and the live heap from V8's GC trace. */

/** Percent change from `from` to `to`, one decimal (NaN from 0). */
export const growth = (from: number, to: number) =>
  from ? Math.round(((to - from) / from) * 1000) / 10 : Number.NaN;

/** Growth from the middle sample to the last, in percent: whether RSS still grows once settled. */
export function secondHalfGrowth(samples: readonly number[]): number {
  return growth(
    samples[Math.floor((samples.length - 1) / 2)] ?? 0,
    samples[samples.length - 1] ?? 0,
  );
}

/** A full collection in V8's `--trace-gc` output: `[pid:0xisolate] <t> ms: Mark-Compact 270.6 (301.7) -> 66.8 (249.0) MB, ...`. */
export const MARK_COMPACT =
  /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;

/**
 * The heap left after each full collection (MB), of the main isolate (the one with the most
 * collections: loader worker threads have isolates of their own). Unlike RSS, which follows how
 * much garbage V8 lets pile up between collections and how lazily it returns pages, this is what
 * the process keeps: a leak makes it climb.
 */
export function liveHeapAfterFullGcs(lines: readonly string[]): number[] {
  const byIsolate = new Map<string, number[]>();
  for (const line of lines) {
    const match = MARK_COMPACT.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const list = byIsolate.get(match[1]) ?? [];
    list.push(Number(match[2]));
    byIsolate.set(match[1], list);
  }
  return [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** Least-squares slope of samples taken every `intervalS` seconds, per minute (0 for fewer than two). */
export function slopePerMinute(samples: readonly number[], intervalS: number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = ((n - 1) * intervalS) / 2;
  const meanY = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  samples.forEach((y, i) => {
    const dx = i * intervalS - meanX;
    num += dx * (y - meanY);
    den += dx * dx;
  });
  return (num / den) * 60;
}
