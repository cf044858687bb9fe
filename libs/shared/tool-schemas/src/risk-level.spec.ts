import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RISK_LEVELS, riskLevelForScore } from './risk-level.js';

describe('riskLevelForScore', () => {
  it.each([
    [0, 'low'],
    [3, 'low'],
    [3.99, 'low'],
    [4, 'medium'],
    [6, 'medium'],
    [6.5, 'medium'],
    [7, 'high'],
    [8, 'high'],
    [8.9, 'high'],
    [9, 'critical'],
    [10, 'critical'],
  ] as const)('score %d is %s', (score, level) => expect(riskLevelForScore(score)).toBe(level));

  it.each([null, -0.1, 10.01, Number.NaN, Number.POSITIVE_INFINITY])('%s is unknown', (score) =>
    expect(riskLevelForScore(score)).toBe('unknown'),
  );

  it('is monotonic over 0–10: a higher score never gives a lower level', () => {
    const rank = (s: number) => RISK_LEVELS.indexOf(riskLevelForScore(s));
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return rank(lo) <= rank(hi) && riskLevelForScore(lo) !== 'unknown';
        },
      ),
    );
  });
});
