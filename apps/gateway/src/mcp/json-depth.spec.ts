import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan, valueNestsDeeperThan } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** Depth of a parsed JSON value, by definition. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('nestsDeeperThan', () => {
  it('refuses only past the limit', () => {
    expect(nestsDeeperThan(bytes(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(nestsDeeperThan(bytes(nested(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(nestsDeeperThan(bytes(`{"a":${nested(10_000)}}`))).toBe(true);
    expect(valueNestsDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(valueNestsDeeperThan(JSON.parse(`{"a":${nested(10_000)}}`))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: '['.repeat(500) })))).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: `\\"${'{'.repeat(500)}` })))).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify(['é"[[[', { k: '\\' }])), 1)).toBe(true);
  });

  it('agrees with the depth of the parsed value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(bytes(text), max)).toBe(depthOf(JSON.parse(text)) > max);
        expect(valueNestsDeeperThan(JSON.parse(text), max)).toBe(depthOf(JSON.parse(text)) > max);
      }),
      { numRuns: 500 },
    );
  });
});

/** `text` cut into chunks at the given offsets (taken modulo its length, in order). */
function cut(text: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((start, i) => text.subarray(start, at[i] ?? text.length));
}

describe('nestsDeeperThan on chunks', () => {
  it('reads the chunks as one text, wherever they are cut', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (value, max, cuts) => {
        const text = bytes(JSON.stringify(value));
        expect(nestsDeeperThan(cut(text, cuts), max)).toBe(nestsDeeperThan(text, max));
      }),
      { numRuns: 500 },
    );
  });

  it('skips strings full of quotes, backslashes and brackets exactly', () => {
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', 'é'), maxLength: 40 });
    const value = fc.array(fc.oneof(tricky, fc.jsonValue({ maxDepth: 4 }), fc.dictionary(tricky, tricky, { maxKeys: 3 })), { maxLength: 6 });
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), fc.array(fc.nat(), { maxLength: 6 }), (v, max, cuts) => {
        const text = bytes(JSON.stringify(v));
        const expected = depthOf(v) > max;
        expect(nestsDeeperThan(text, max)).toBe(expected);
        expect(nestsDeeperThan(cut(text, cuts), max)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps an escape that ends one chunk for the next', () => {
    // `"\` | `"[[` : the quote after the backslash is escaped, so the brackets are inside the string.
    expect(nestsDeeperThan([bytes('["\\'), bytes('"[[[["]')], 1)).toBe(false);
    expect(nestsDeeperThan([bytes('["\\\\'), bytes('",[[["]')], 1)).toBe(true);
    // An empty chunk between them keeps the escape for the byte after it.
    expect(nestsDeeperThan([bytes('["\\'), bytes(''), bytes('"[[[["]')], 1)).toBe(false);
  });
});
