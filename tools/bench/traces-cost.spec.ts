import { describe, expect, it } from 'vitest';
import { roundOf, summarize } from './traces-cost.js';

describe('the traces-cost ratios', () => {
  it('divides the traced side by the ids-only side in each round and takes the medians', () => {
    const rounds = [
      roundOf(
        { rps: 8000, cpuMicrosPerCall: 120, failed: 0 },
        { rps: 7000, cpuMicrosPerCall: 138, failed: 0 },
      ),
      roundOf(
        { rps: 9000, cpuMicrosPerCall: 110, failed: 0 },
        { rps: 7500, cpuMicrosPerCall: 132, failed: 0 },
      ),
      roundOf(
        { rps: 8500, cpuMicrosPerCall: 100, failed: 0 },
        { rps: 8500, cpuMicrosPerCall: 105, failed: 0 },
      ),
    ];
    expect(rounds.map((round) => round.cpuRatio)).toEqual([1.15, 1.2, 1.05]);
    expect(rounds.map((round) => round.rpsRatio)).toEqual([0.875, 0.833, 1]);
    expect(summarize(rounds)).toMatchObject({ medianCpuRatio: 1.15, medianRpsRatio: 0.875 });
  });

  it('leaves the CPU ratio out where a side has no CPU reading', () => {
    const round = roundOf({ rps: 100, failed: 0 }, { rps: 50, cpuMicrosPerCall: 10, failed: 0 });
    expect(round.cpuRatio).toBeUndefined();
    expect(summarize([round])).toEqual({ rounds: [round], medianRpsRatio: 0.5 });
  });
});
