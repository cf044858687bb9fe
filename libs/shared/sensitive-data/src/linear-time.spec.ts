import { describe, expect, it } from 'vitest';
import { detect } from './detect.js';
import { DETECTORS } from './detectors/index.js';
import { SENSITIVE_KINDS } from './kinds.js';

/*
 * Linear time is guaranteed by construction (see the pattern audit below: bounded repetition,
 * no quantified group holding a quantifier, every expression anchored on a literal or a negative
 * lookbehind so a run is tried from one start only) and guarded here by measurement. The
 * guard never asserts wall-clock time, which depends on the machine and its load: it compares
 * the best of five runs on 100 KB and on 1 MB of the same adversarial near-match input, side
 * by side. Linear work gives a ratio near 10, quadratic work near 100; the bound of 30 leaves
 * room for noise on a shared machine.
 *
 * Each run is measured in CPU time, not elapsed time. On a busy machine (CI runs test files and
 * projects in parallel on two cores) a 1 MB run outlasts a scheduler time slice and is preempted
 * while a 100 KB run usually is not, so elapsed times gave linear work ratios of 18–22 with three
 * other busy processes, and past 30 in CI.
 */

const NEAR_MISSES = [
  `eyJ${'a'.repeat(50)}.`, // a JWT header with one dot only
  `AKIA${'A'.repeat(15)} `,
  `aws_secret_access_key=${'a'.repeat(39)} `,
  `ghp_${'a'.repeat(20)} `,
  'xoxb-short sk-ant-short Bearer x password= ',
  '-----BEGIN PRIVATE KEY-----', // BEGIN markers that never end
  '4111 1111 1111 111 ',
  'DE89 3704 0044 0532 0130 0 ',
  'a.b.c@d ',
  '+44 20 7946 ',
  '415-555-013 ',
  '1.2.3.999 ',
  'ab:cd:ef:gh ',
].join('');

/** Inputs that keep each detector at its most expensive: long runs of its own alphabet. */
const ADVERSARIAL: Record<string, string> = {
  'mixed near-misses': NEAR_MISSES,
  'one long token run': 'a',
  'a long digit run': '1',
  'digit groups': '1 ',
  'dotted digits': '1.',
  'hex and colons': 'a:',
  'e-mail false starts': 'a@',
  'e-mail with dotted domains': 'a@b.',
  'JWT headers': 'eyJ',
  'international prefixes': '+1 ',
  'secret names': 'password=',
  'bearer schemes': 'Bearer ',
  'IBAN prefixes': 'DE00',
  'unterminated keys': '-----BEGIN PRIVATE KEY-----\n',
};

const sized = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** CPU time of one `detect` call, in milliseconds (user and system time of this process). */
function timed(text: string): number {
  const started = process.cpuUsage();
  detect(text);
  const used = process.cpuUsage(started);
  return Math.max((used.user + used.system) / 1000, 0.05); // below useful resolution, treat as equal
}

/**
 * The large input's time over the small one's, best of five each, measured alternately so a burst
 * of load from other processes (CI runs test files in parallel) hits both sizes alike. Linear
 * scaling gives about 10 for 10× the input, quadratic about 100.
 */
function growth(small: string, large: string): number {
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i += 1) {
    bestSmall = Math.min(bestSmall, timed(small));
    bestLarge = Math.min(bestLarge, timed(large));
  }
  return bestLarge / bestSmall;
}

describe('linear time', () => {
  for (const [name, unit] of Object.entries(ADVERSARIAL)) {
    it(`scales linearly on ${name}`, () => {
      const small = sized(unit, 100_000);
      const large = sized(unit, 1_000_000);
      detect(small); // warm up: regexp tier-up and JIT
      let ratio = growth(small, large);
      // Load from other test processes can inflate one measurement; a quadratic detector (about
      // 100) stays far above the bound on a second one.
      if (ratio >= 30) ratio = Math.min(ratio, growth(small, large));
      expect(ratio).toBeLessThan(30);
    });
  }
});

/** Backtracking hazards in a regular expression source: unbounded and nested quantifiers. */
function audit(source: string): string[] {
  const problems: string[] = [];
  const groups: Array<{ quantified: boolean }> = [];
  let inClass = false;
  let lastGroupHadQuantifier = false;
  let previousWasGroupEnd = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\\') {
      i += 1;
      previousWasGroupEnd = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      previousWasGroupEnd = false;
      continue;
    }
    if (c === '(') {
      groups.push({ quantified: false });
      if (source[i + 1] === '?') i += 1; // group syntax such as (?: or (?<!, not a quantifier
      previousWasGroupEnd = false;
      continue;
    }
    if (c === ')') {
      lastGroupHadQuantifier = groups.pop()?.quantified ?? false;
      previousWasGroupEnd = true;
      continue;
    }
    const quantifier =
      c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i)));
    if (quantifier) {
      const text = c === '{' ? (/^\{\d+(,\d*)?\}/.exec(source.slice(i))?.[0] ?? c) : c;
      if (c === '*' || c === '+' || /^\{\d+,\}$/.test(text))
        problems.push(`unbounded ${text} at ${i}`);
      if (previousWasGroupEnd && lastGroupHadQuantifier)
        problems.push(`quantified group containing a quantifier at ${i}`);
      for (const g of groups) g.quantified = true;
      i += text.length - 1;
      if (source[i + 1] === '?') i += 1; // lazy marker
      previousWasGroupEnd = false;
      continue;
    }
    previousWasGroupEnd = false;
  }
  return problems;
}

describe('pattern audit', () => {
  it('finds the problems it is meant to find', () => {
    expect(audit('(a+)+')).toEqual([
      'unbounded + at 2',
      'unbounded + at 4',
      'quantified group containing a quantifier at 4',
    ]);
    expect(audit('(?:[a-z]{1,3}){2}')).toEqual(['quantified group containing a quantifier at 14']);
    expect(audit('a{2,}')).toEqual(['unbounded {2,} at 1']);
    expect(audit('(?<![a-z])x{1,4}(?:ab|c)?\\+')).toEqual([]);
  });

  for (const kind of SENSITIVE_KINDS) {
    it(`${kind}: global, bounded, no nested quantifiers, anchored start`, () => {
      for (const pattern of DETECTORS[kind].patterns) {
        expect(pattern.flags).toContain('g');
        expect(audit(pattern.source)).toEqual([]);
        // a negative lookbehind or a literal first character: one start per run of token characters
        expect(pattern.source).toMatch(/^(?:\(\?<!|[A-Za-z-])/);
      }
    });
  }
});
