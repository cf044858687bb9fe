/** An inclusive range of UTF-16 code units. */
export type CharRange = readonly [number, number];

/** A set of code units: sorted, non-overlapping ranges, possibly negated (as `[^…]`). */
export interface CharSet {
  readonly ranges: readonly CharRange[];
  readonly negated: boolean;
}

const MAX_UNIT = 0xffff;

export const DIGIT: readonly CharRange[] = [[0x30, 0x39]];
export const WORD: readonly CharRange[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// ECMAScript WhiteSpace and LineTerminator, the members of \s.
export const SPACE: readonly CharRange[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: readonly CharRange[] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

/** Sorts and merges ranges. */
export function normalize(ranges: readonly CharRange[]): CharRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The code units not in `ranges`. */
export function complement(ranges: readonly CharRange[]): CharRange[] {
  const out: CharRange[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_UNIT) out.push([next, MAX_UNIT]);
  return out;
}

/** `.`: anything but a line terminator. */
export const ANY_BUT_NEWLINE: readonly CharRange[] = complement(LINE_TERMINATORS);

export function isWordUnit(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    code === 0x5f ||
    (code >= 0x61 && code <= 0x7a)
  );
}

function inRanges(ranges: readonly CharRange[], code: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid] as CharRange;
    if (code < range[0]) hi = mid - 1;
    else if (code > range[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Case variants of a code unit under simple case mapping (single code unit results only). */
function caseVariants(code: number): number[] {
  const ch = String.fromCharCode(code);
  const variants = [ch.toLowerCase(), ch.toUpperCase()]
    .filter((v) => v.length === 1)
    .map((v) => v.charCodeAt(0));
  // as in ECMAScript Canonicalize: a non-ASCII unit never folds onto an ASCII one
  return variants.filter((v) => v !== code && !(code >= 128 && v < 128));
}

/**
 * Compiles a set into a membership test. ASCII is answered from a 128-entry table; other units
 * by binary search. With `ignoreCase`, a unit matches when it or one of its case variants is in
 * the ranges (negation applied after folding, as in ECMAScript).
 */
export function compileSet(set: CharSet, ignoreCase: boolean): (code: number) => boolean {
  const ranges = normalize(set.ranges);
  const positive = (code: number) =>
    inRanges(ranges, code) || (ignoreCase && caseVariants(code).some((v) => inRanges(ranges, v)));
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c += 1) ascii[c] = positive(c) !== set.negated ? 1 : 0;
  return (code) => (code < 128 ? ascii[code] === 1 : positive(code) !== set.negated);
}
