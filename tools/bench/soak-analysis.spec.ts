import { describe, expect, it } from 'vitest';
import {
  MARK_COMPACT,
  growth,
  liveHeapAfterFullGcs,
  secondHalfGrowth,
  slopePerMinute,
} from './soak-analysis.js';

// Lines as V8 prints them with --trace-gc (Node 20 and Node 24), from the benchmark's own runs.
const MAIN = '[27030:0xaf6eab0]';
const WORKER = '[27030:0x7fe8e4000f00]';
const trace = [
  `${MAIN}    12313 ms: Mark-Compact 270.6 (301.7) -> 66.8 (249.0) MB, 11.42 / 0.18 ms  (+ 40.2 ms in 66 steps since start of marking, biggest step 24.3 ms, walltime since start of marking 70 ms) (average mu = 0.990, current mu = 0.990) finalize incremental marking via task; GC in old space requested`,
  `${MAIN}    12400 ms: Scavenge 118.7 (205.7) -> 119.6 (205.7) MB, 2.79 / 0.25 ms  (average mu = 0.995, current mu = 0.997) task; `,
  `${WORKER}    16265 ms: Mark-Compact (reduce) 16.1 (29.0) -> 12.0 (13.5) MB, 11.78 / 0.04 ms  (+ 11.4 ms in 81 steps since start of marking) finalize incremental marking via task; GC in old space requested`,
  `${MAIN}    17401 ms: Mark-Compact 272.1 (305.7) -> 65.5 (255.5) MB, 11.42 / 0.13 ms  (+ 2.0 ms in 36 steps since start of marking) finalize incremental marking via task; GC in old space requested`,
  `${MAIN}    62657 ms: Mark-Compact (reduce) 104.0 (256.7) -> 64.3 (154.7) MB, 20.08 / 0.16 ms  (+ 3.4 ms in 73 steps since start of marking) finalize incremental marking via task; GC in old space requested`,
  '{"timestamp":"2026-11-22T01:20:42.846Z","level":"info","service":"gateway","message":"listening"}',
];

describe('soak analysis', () => {
  it('reads the heap left after each full collection of the main isolate, ignoring scavenges, workers and log lines', () => {
    expect(trace.filter((line) => MARK_COMPACT.test(line))).toHaveLength(4);
    expect(liveHeapAfterFullGcs(trace)).toEqual([66.8, 65.5, 64.3]);
    expect(liveHeapAfterFullGcs([])).toEqual([]);
  });

  it('computes growth, second-half growth and the least-squares slope per minute', () => {
    expect(growth(200, 250)).toBe(25);
    expect(growth(0, 10)).toBeNaN();
    // Flat, then a step in the second half.
    expect(secondHalfGrowth([100, 100, 100, 100, 110])).toBe(10);
    // 1 MiB every 5 s is 12 MiB per minute; a constant series has no slope.
    expect(slopePerMinute([10, 11, 12, 13, 14], 5)).toBeCloseTo(12, 6);
    expect(slopePerMinute([7, 7, 7], 5)).toBe(0);
    expect(slopePerMinute([7], 5)).toBe(0);
  });
});
