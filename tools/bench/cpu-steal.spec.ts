import { describe, expect, it } from 'vitest';
import { parseCpuTicks, startStealMeter, stealPercent } from './cpu-steal.js';

// From this benchmark's machine (a Firecracker guest, kernel 6.18), during a gateway run.
const STAT = [
  'cpu  6894036 0 1282558 8289195 35569 0 200209 4588 0 0',
  'cpu0 3577703 0 583225 4089075 5243 0 105115 2129 0 0',
  'cpu1 3316333 0 699332 4200120 30326 0 95094 2459 0 0',
  'intr 123 0 0',
].join('\n');

describe('parseCpuTicks', () => {
  it('sums the first eight columns of the CPU line and takes steal from the eighth', () => {
    expect(parseCpuTicks(STAT, 0)).toEqual({
      total: 3577703 + 583225 + 4089075 + 5243 + 105115 + 2129,
      steal: 2129,
    });
    expect(parseCpuTicks(STAT, 1)?.steal).toBe(2459);
  });

  it('does not mistake the all-CPU line or cpu10 for cpu1', () => {
    expect(parseCpuTicks('cpu10 1 2 3 4 5 6 7 99 0 0\ncpu  1 2 3 4 5 6 7 8', 1)).toBeUndefined();
  });

  it('refuses a missing or malformed line', () => {
    expect(parseCpuTicks(STAT, 2)).toBeUndefined();
    expect(parseCpuTicks('cpu0 1 2 3', 0)).toBeUndefined();
    expect(parseCpuTicks('cpu0 1 2 3 4 5 6 7 x', 0)).toBeUndefined();
  });
});

describe('stealPercent', () => {
  it('is the stolen share of all ticks between the readings', () => {
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 1200, steal: 24 })).toBe(7);
  });

  it('has no value for an empty interval or a counter that went back', () => {
    expect(stealPercent({ total: 5, steal: 1 }, { total: 5, steal: 1 })).toBeUndefined();
    expect(stealPercent({ total: 5, steal: 3 }, { total: 9, steal: 1 })).toBeUndefined();
  });
});

describe('startStealMeter', () => {
  it.runIf(process.platform === 'linux')('reads this machine’s CPUs', () => {
    const meter = startStealMeter([0]);
    const start = Date.now();
    while (Date.now() - start < 30) {
      // busy for a few clock ticks, so the interval is not empty
    }
    const percent = meter.stop()?.['cpu0'];
    expect(percent).toBeGreaterThanOrEqual(0);
    expect(percent).toBeLessThanOrEqual(100);
  });
});
