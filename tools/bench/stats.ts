/** Latency samples and their summaries, shared by both load generators. */

/** The value at quantile `q` (0..1) of an ascending array (nearest rank). */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const round3 = (n: number) => Math.round(n * 1000) / 1000;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** A growable list of latencies in milliseconds (fractional: µs resolution from performance.now()). */
export class Samples {
  private values: Float64Array;
  private length = 0;

  constructor(expected: number) {
    this.values = new Float64Array(Math.max(1024, Math.min(expected, 4_000_000)));
  }

  get count(): number {
    return this.length;
  }

  add(valueMs: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = valueMs;
  }

  /** p50/p90/p99/max/mean in ms, rounded to µs; NaN when empty. */
  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.length).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      p50: round3(percentile(sorted, 0.5)),
      p90: round3(percentile(sorted, 0.9)),
      p99: round3(percentile(sorted, 0.99)),
      max: round3(sorted[sorted.length - 1] ?? Number.NaN),
      mean: round3(this.length ? sum / this.length : Number.NaN),
    };
  }
}
