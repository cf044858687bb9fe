import { describe, expect, it } from 'vitest';
import type { FixedRateResult } from './fixed-rate.js';
import { goalLines, type BenchResult, type RatePoint, type SustainedResult } from './report.js';

// goalLines reads only the summary fields; the per-run results behind them are not looked at.
const run = {} as FixedRateResult;
const gc = {
  scavenges: 800,
  longestScavengeMs: 2,
  scavengeMs: 900,
  markCompacts: 1,
  longestMarkCompactMs: 16.1,
};

const half: RatePoint = {
  percentOfCapacity: 50,
  rate: 2674,
  direct: run,
  gateway: run,
  addedP50Ms: 0.656,
  addedP99Ms: 2.166,
  addedSendP50Ms: 0.6,
  addedSendP99Ms: 2,
};
const sustained: SustainedResult = {
  rate: 2674,
  durationS: 60,
  direct: run,
  gateway: run,
  addedP50Ms: 0.716,
  addedP99Ms: 26.055,
  gatewayCoreStealPercent: 0,
  gatewayGc: gc,
};
const result = (extra: Partial<BenchResult>): BenchResult =>
  ({
    node: { gateway: 'v24.21.0', loader: 'v20.20.2' },
    gateway: { capacity: { runs: [], medianRps: 5348 } },
    rates: [half],
    ...extra,
  }) as BenchResult;

describe('goalLines', () => {
  it('reports the 10 s run at half capacity against both latency goals', () => {
    const lines = goalLines(result({}));
    expect(lines[0]).toBe(
      '- throughput: 5348 tools/call/s on one core, goal ≥ 5000 on Node 24: met',
    );
    expect(lines[1]).toContain('p50 0.656 ms (goal ≤ 0.5: not met), p99 2.166 ms (goal ≤ 5: met)');
    expect(lines.join('\n')).not.toContain('held for');
  });

  it('reports the minute held at half capacity, with its full GCs, when the run has one', () => {
    const held = goalLines(result({ sustained })).find((line) => line.includes('held for'));
    expect(held).toBe(
      '- held for 60 s at half capacity (2674/s): added p50 0.716 ms (goal ≤ 0.5: not met), p99 26.055 ms (goal ≤ 5: not met); steal 0.0 %, 1 full GC(s) (longest 16.1 ms)',
    );
  });
});
