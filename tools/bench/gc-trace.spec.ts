import { describe, expect, it } from 'vitest';
import { GC_EVENT, summarizeGc } from './gc-trace.js';

// Lines as V8 prints them with --trace-gc, from the gateway during the benchmark (Node 24 prints
// `pooled:`, Node 20 does not).
const NODE24 = [
  '[13639:0x26e70000]    21122 ms: Scavenge 107.4 (240.2) -> 56.6 (240.2) MB, pooled: 30 MB, 2.26 / 0.29 ms  (average mu = 0.998, current mu = 0.999) task; ',
  '[13639:0x26e70000]    21373 ms: Mark-Compact 109.4 (240.2) -> 51.2 (188.2) MB, pooled: 80 MB, 13.54 / 0.26 ms  (+ 3.9 ms in 58 steps since start of marking, biggest step 0.2 ms, walltime since start of marking 73 ms) (average mu = 0.997, current mu = 0.990) finalize incremental marking via task; GC in old space requested',
  '[13639:0x26e70000]    21504 ms: Scavenge 103.1 (188.2) -> 52.3 (188.2) MB, pooled: 80 MB, 3.19 / 0.23 ms  (average mu = 0.997, current mu = 0.990) task; ',
  '{"timestamp":"2026-11-22T01:20:42.846Z","level":"info","service":"gateway","message":"audit"}',
];
const NODE20 = [
  '[27030:0xaf6eab0]    12313 ms: Mark-Compact 270.6 (301.7) -> 66.8 (249.0) MB, 11.42 / 0.18 ms  (+ 40.2 ms in 66 steps since start of marking, biggest step 24.3 ms, walltime since start of marking 70 ms) (average mu = 0.990, current mu = 0.990) finalize incremental marking via task; GC in old space requested',
  '[27030:0xaf6eab0]    12400 ms: Scavenge 118.7 (205.7) -> 119.6 (205.7) MB, 2.79 / 0.25 ms  (average mu = 0.995, current mu = 0.997) task; ',
  '[27030:0xaf6eab0]    62657 ms: Mark-Compact (reduce) 104.0 (256.7) -> 64.3 (154.7) MB, 20.08 / 0.16 ms  (+ 3.4 ms in 73 steps since start of marking) finalize incremental marking via task; GC in old space requested',
];

describe('summarizeGc', () => {
  it('counts scavenges and full collections with their longest pauses (Node 24 lines)', () => {
    expect(summarizeGc(NODE24)).toEqual({
      scavenges: 2,
      longestScavengeMs: 3.19,
      scavengeMs: 5.45,
      markCompacts: 1,
      longestMarkCompactMs: 13.54,
    });
  });

  it('takes a marking step longer than the final pause as the full collection’s longest (Node 20 lines)', () => {
    expect(summarizeGc(NODE20)).toMatchObject({
      scavenges: 1,
      longestScavengeMs: 2.79,
      markCompacts: 2,
      longestMarkCompactMs: 24.3,
    });
  });

  it('is all zeros for a run without collections, and ignores other output', () => {
    expect(summarizeGc(['{"level":"info"}', ''])).toEqual({
      scavenges: 0,
      longestScavengeMs: 0,
      scavengeMs: 0,
      markCompacts: 0,
      longestMarkCompactMs: 0,
    });
    expect(GC_EVENT.test('Scavenge 1 (2) -> 3 (4) MB, 5 / 6 ms')).toBe(false);
  });
});
