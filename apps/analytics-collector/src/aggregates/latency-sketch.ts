/**
 * A relative-error latency histogram (the DDSketch bucket layout): bucket `i` holds values in
 * (γ^(i-1), γ^i] with γ = (1+α)/(1-α), and reports 2γ^i/(γ+1), which is within α of every value
 * in the bucket. With α = 1 % a quantile is within 1 % of the exact nearest-rank value; values
 * below {@link MIN_TRACKED_MS} share one zero bucket (absolute error below that bound). Bins are
 * sparse and merge by addition, so minute histograms roll up into hours exactly.
 */

/** Relative accuracy of every reported quantile. */
export const RELATIVE_ACCURACY = 0.01;
/** Values at or below this (ms) are counted in the zero bucket and reported as 0. */
export const MIN_TRACKED_MS = 0.001;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const ZERO_BIN = 'z';

/** Sparse bins: bucket index (or `z`) → count. */
export type SketchBins = Record<string, number>;

/** The bin key of a latency in ms. */
export function binOf(ms: number): string {
  if (!(ms > MIN_TRACKED_MS)) return ZERO_BIN;
  return String(Math.ceil(Math.log(ms) / LOG_GAMMA));
}

/** The value a bin reports. */
export function binValue(bin: string): number {
  if (bin === ZERO_BIN) return 0;
  const i = Number(bin);
  return (2 * GAMMA ** i) / (GAMMA + 1);
}

/** Adds `count` observations in `bin`. */
export function addToBins(bins: SketchBins, bin: string, count = 1): void {
  bins[bin] = (bins[bin] ?? 0) + count;
}

/** Adds every bin of `from` into `into`. */
export function mergeBins(into: SketchBins, from: SketchBins): void {
  for (const [bin, count] of Object.entries(from)) addToBins(into, bin, count);
}

/**
 * Quantiles `qs` (0–1) by the nearest-rank definition: the value of rank ⌈q·n⌉ (1-based) of the
 * sorted observations, within {@link RELATIVE_ACCURACY}. All zeros without observations.
 */
export function quantiles(bins: SketchBins, qs: readonly number[]): number[] {
  const sorted = Object.entries(bins)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => order(a) - order(b));
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return qs.map(() => 0);
  return qs.map((q) => {
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const [bin, count] of sorted) {
      seen += count;
      if (seen >= rank) return binValue(bin);
    }
    return binValue(sorted[sorted.length - 1]?.[0] ?? ZERO_BIN);
  });
}

function order(bin: string): number {
  return bin === ZERO_BIN ? -Infinity : Number(bin);
}
