import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToBins,
  binOf,
  MIN_TRACKED_MS,
  mergeBins,
  quantiles,
  RELATIVE_ACCURACY,
  type SketchBins,
} from './latency-sketch.js';

const sketchOf = (values: readonly number[]): SketchBins => {
  const bins: SketchBins = {};
  for (const v of values) addToBins(bins, binOf(v));
  return bins;
};

const nearestRank = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? 0;
};

const latency = fc.oneof(
  fc.double({ min: 0, max: 600_000, noNaN: true }),
  fc.double({ min: 0, max: 10, noNaN: true }),
  fc.constant(0),
);

describe('latency sketch', () => {
  it('reports every quantile within 1 % of the exact nearest-rank value', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const [estimate] = quantiles(sketchOf(values), [q]);
          const exact = nearestRank(values, q);
          expect(Math.abs((estimate ?? 0) - exact)).toBeLessThanOrEqual(
            exact * RELATIVE_ACCURACY + MIN_TRACKED_MS,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merges exactly: the merge of two sketches is the sketch of both inputs', () => {
    fc.assert(
      fc.property(fc.array(latency), fc.array(latency), (a, b) => {
        const merged = sketchOf(a);
        mergeBins(merged, sketchOf(b));
        expect(merged).toEqual(sketchOf([...a, ...b]));
      }),
    );
  });

  it('answers zeros without observations and 0 for sub-microsecond values', () => {
    expect(quantiles({}, [0.5, 0.99])).toEqual([0, 0]);
    expect(quantiles(sketchOf([0, 0.0005]), [0.5])).toEqual([0]);
  });

  it('puts p50/p95/p99 of a known set where nearest-rank does', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const [p50, p95, p99] = quantiles(sketchOf(values), [0.5, 0.95, 0.99]);
    expect(p50).toBeCloseTo(50, 0);
    expect(Math.abs((p95 ?? 0) - 95)).toBeLessThanOrEqual(0.95);
    expect(Math.abs((p99 ?? 0) - 99)).toBeLessThanOrEqual(0.99);
  });
});
