import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSafeRegex, SafeRegexError, type StepBudget } from './safe-regex.js';

const budget = (): StepBudget => ({ remaining: Number.MAX_SAFE_INTEGER });
const matches = (pattern: string, text: string, ignoreCase = false) =>
  compileSafeRegex(pattern, { ignoreCase }).test(text, budget());

function errorCode(pattern: string): string | undefined {
  try {
    compileSafeRegex(pattern);
    return undefined;
  } catch (err) {
    return err instanceof SafeRegexError ? err.code : 'other';
  }
}

describe('compileSafeRegex', () => {
  it('matches like RegExp on everyday log patterns', () => {
    const line =
      '2026-11-20T08:00:52.407Z ERROR checkout-api upstream timeout after 571 ms (req-100000)';
    const cases: Array<[string, boolean]> = [
      ['timeout', true],
      ['^2026-11-20T08', true],
      ['ms \\(req-\\d{6}\\)$', true],
      ['\\bERROR\\b', true],
      ['\\bERR\\b', false],
      ['(?:refused|timeout) after [0-9]+', true],
      ['[^a-z0-9 :.()TZ-]', true],
      ['(?<svc>checkout|inventory)-api', true],
      ['latency_ms', false],
      ['^ERROR', false],
      ['x*', true],
      ['', true],
    ];
    for (const [pattern, expected] of cases) {
      expect(matches(pattern, line), pattern).toBe(expected);
      expect(new RegExp(pattern).test(line), pattern).toBe(expected);
    }
    expect(matches('error', line)).toBe(false);
    expect(matches('error', line, true)).toBe(true);
  });

  it('refuses what a linear engine cannot run, and invalid or oversized patterns', () => {
    expect(errorCode('(a)\\1')).toBe('REGEX_UNSUPPORTED');
    expect(errorCode('(?<n>a)\\k<n>')).toBe('REGEX_UNSUPPORTED');
    expect(errorCode('a(?=b)')).toBe('REGEX_UNSUPPORTED');
    expect(errorCode('(?<!a)b')).toBe('REGEX_UNSUPPORTED');
    expect(errorCode('\\p{L}')).toBe('REGEX_UNSUPPORTED');
    expect(errorCode('(a')).toBe('REGEX_INVALID');
    expect(errorCode('a{2,1}')).toBe('REGEX_INVALID');
    expect(errorCode('*a')).toBe('REGEX_INVALID');
    expect(errorCode('a'.repeat(257))).toBe('REGEX_TOO_LARGE');
    expect(errorCode('a{1001}')).toBe('REGEX_TOO_LARGE');
    expect(errorCode('(?:[a-z]{1,100}){1,100}')).toBe('REGEX_TOO_LARGE');
  });

  it('runs catastrophic-backtracking patterns in linear time', () => {
    // (a+)+b and (a|a)*c take exponential time in a backtracking engine on this input
    const text = `${'a'.repeat(20_000)}!`;
    for (const pattern of ['(a+)+b', '(a|a)*c', '(a*)*$x', '.*.*.*=.*']) {
      const steps = { remaining: Number.MAX_SAFE_INTEGER };
      expect(compileSafeRegex(pattern).test(text, steps)).toBe(false);
      // at most (program size) threads per character
      expect(Number.MAX_SAFE_INTEGER - steps.remaining).toBeLessThan(20 * text.length);
    }
  });

  it('stops a search that exceeds its budget', () => {
    const regex = compileSafeRegex('(a|b)*c');
    expect(() => regex.test('ab'.repeat(1000), { remaining: 100 })).toThrow(SafeRegexError);
    const shared = { remaining: 10_000 };
    expect(regex.test('abc', shared)).toBe(true);
    expect(shared.remaining).toBeLessThan(10_000);
  });

  it('agrees with RegExp on random patterns and texts', () => {
    const atom = fc.oneof(
      fc.constantFrom(
        'a',
        'b',
        'c',
        '.',
        '\\d',
        '\\w',
        '\\s',
        '\\W',
        '[ab]',
        '[^a]',
        '[a-c]',
        '[\\d-]',
        'A',
        '\\-',
        '\\.',
      ),
      fc.constantFrom('^', '$', '\\b', '\\B'),
    );
    const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
      re: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
        fc
          .tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,2}', '*?', '{2,}'))
          .map(([x, q]) => `(?:${x})${q}`),
        tie('re').map((x) => `(${x})`),
      ),
    })).re;
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'c', 'A', ' ', '-', '1', '.', 'é', 'É'),
      maxLength: 16,
    });
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (p, t, ignoreCase) => {
        expect(compileSafeRegex(p, { ignoreCase }).test(t, budget())).toBe(
          new RegExp(p, ignoreCase ? 'i' : '').test(t),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
