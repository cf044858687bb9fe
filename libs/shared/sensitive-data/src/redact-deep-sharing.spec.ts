import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SensitiveKind } from './kinds.js';
import { redact, type RedactionCounts } from './redact.js';
import { CIRCULAR, redactDeep, TRUNCATED } from './redact-deep.js';
import { DEFAULT_SENSITIVE_KEYS } from './sensitive-keys.js';

/**
 * The full-copy algorithm redactDeep had before copy-on-write, kept as the reference its output
 * and counts must still equal.
 */
function referenceRedactDeep(
  input: unknown,
  kinds?: readonly SensitiveKind[],
  sensitiveKeys: readonly string[] = DEFAULT_SENSITIVE_KEYS,
): { value: unknown; counts: RedactionCounts } {
  const normalize = (key: string) => key.toLowerCase().replace(/[-_. ]/g, '');
  const keys = new Set(sensitiveKeys.map(normalize));
  const withPassword = (kinds ?? ['password']).includes('password');
  const counts: Record<string, number> = {};
  const ancestors = new Set<object>();
  const jsonless = (v: unknown) =>
    v === undefined || typeof v === 'function' || typeof v === 'symbol';
  const redacted = (text: string): string => {
    const result = redact(text, { kinds });
    for (const [kind, n] of Object.entries(result.counts))
      counts[kind] = (counts[kind] ?? 0) + (n ?? 0);
    return result.text;
  };
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redacted(value);
    if (typeof value !== 'object' || value === null) return value;
    if (ancestors.has(value)) return CIRCULAR;
    if (depth >= 64) return TRUNCATED;
    ancestors.add(value);
    try {
      if (Array.isArray(value)) {
        return value.map((item: unknown) => {
          const out = visit(item, depth + 1);
          return jsonless(out) ? null : out;
        });
      }
      const entries: Array<[string, unknown]> = [];
      const used = new Set<string>();
      for (const [key, item] of Object.entries(value)) {
        const secretKey =
          typeof item === 'string' && item !== '' && withPassword && keys.has(normalize(key));
        if (secretKey) counts['password'] = (counts['password'] ?? 0) + 1;
        const out = secretKey ? '[REDACTED:password]' : visit(item, depth + 1);
        // Redacted (and counted) once: a renamed key that collides gets a suffix, not a recount.
        const renamed = redacted(key);
        let outKey = renamed;
        for (let n = 2; outKey !== key && used.has(outKey); n += 1) outKey = `${renamed} (${n})`;
        if (!jsonless(out)) {
          used.add(outKey);
          entries.push([outKey, out]);
        }
      }
      return Object.fromEntries(entries);
    } finally {
      ancestors.delete(value);
    }
  };
  return { value: visit(input, 0), counts };
}

/** Every output container is the input's own when its content did not change, a copy otherwise. */
function expectSharedWhereUnchanged(input: unknown, output: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  if (JSON.stringify(input) === JSON.stringify(output)) {
    expect(output).toBe(input);
    return;
  }
  expect(output).not.toBe(input);
  // Position by position: a redacted key renames its entry (parsed JSON drops no entries).
  const from = input as Record<string, unknown>;
  const to = output as Record<string, unknown>;
  const toKeys = Object.keys(to);
  Object.keys(from).forEach((key, i) =>
    expectSharedWhereUnchanged(from[key], to[toKeys[i] as string]),
  );
}

// Strings that are sometimes sensitive, keys that are sometimes secret-named (and "__proto__"),
// and two e-mail keys of one object that redact to the same text (the ` (2)` suffix path).
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'mail a@example.com',
    'host 192.0.2.1',
    'Authorization: Bearer abcdefghijklmnop',
    'password=hunter2hunter2',
    '[REDACTED:password]',
    '',
  ),
);
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    'password',
    'Api-Key',
    'token',
    '__proto__',
    'text',
    'a@example.com',
    'b@example.com',
  ),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;
// Through JSON text: "__proto__" becomes an own key, as in parsed upstream output.
const parsedJson = json.map((v): unknown => JSON.parse(JSON.stringify(v)));

describe('redactDeep copy-on-write', () => {
  it('equals the full-copy algorithm, shares what did not change and never mutates its input', () => {
    const kindSets: Array<readonly SensitiveKind[] | undefined> = [
      undefined,
      ['email', 'ipv4'],
      ['password'],
      [],
    ];
    fc.assert(
      fc.property(parsedJson, fc.constantFrom(...kindSets), (input, kinds) => {
        const before = JSON.stringify(input);
        const expected = referenceRedactDeep(input, kinds);
        const actual = redactDeep(input, { kinds });
        expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
        expect(actual.value).toEqual(expected.value);
        expect(actual.counts).toEqual(expected.counts);
        expect(JSON.stringify(input)).toBe(before);
        expectSharedWhereUnchanged(input, actual.value);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns the input itself when nothing is found, however deep', () => {
    const input = {
      content: [{ type: 'text', text: 'x'.repeat(1024) }],
      structuredContent: {
        rows: [
          [1, 'a'],
          [2, 'b', [true, null, { deep: { deeper: ['c'] } }]],
        ],
        n: 1,
      },
      token: '',
      password: 7,
    };
    const { value, counts } = redactDeep(input);
    expect(value).toBe(input);
    expect(counts).toEqual({});
    const list = [[['plain'], []], {}];
    expect(redactDeep(list).value).toBe(list);
  });

  it('copies exactly the path to a change and shares its siblings', () => {
    const input = {
      a: { b: [{ c: 'plain' }, { d: 'mail a@example.com' }, ['x']], e: { f: 1 } },
      g: [1, 2],
    };
    const { value, counts } = redactDeep(input);
    expect(counts).toEqual({ email: 1 });
    expect(value).toEqual({
      a: { b: [{ c: 'plain' }, { d: 'mail [REDACTED:email]' }, ['x']], e: { f: 1 } },
      g: [1, 2],
    });
    for (const copied of [value, value.a, value.a.b, value.a.b[1]]) {
      expect([input, input.a, input.a.b, input.a.b[1]]).not.toContain(copied);
    }
    expect(value.a.b[0]).toBe(input.a.b[0]);
    expect(value.a.b[2]).toBe(input.a.b[2]);
    expect(value.a.e).toBe(input.a.e);
    expect(value.g).toBe(input.g);
    expect(input.a.b[1]).toEqual({ d: 'mail a@example.com' });
  });

  it('copies a container for a secret-named key, a dropped value, toJSON, a cycle and depth', () => {
    const shared = { s: 'plain' };
    const byKey = { keep: shared, nested: { Client_Secret: 'abc' } };
    const out = redactDeep(byKey);
    expect(out.value).toEqual({ keep: shared, nested: { Client_Secret: '[REDACTED:password]' } });
    expect(out.value.keep).toBe(shared);
    expect(out.value.nested).not.toBe(byKey.nested);

    const dropped = { keep: shared, f: () => 1, u: undefined, list: [shared, undefined] };
    const d = redactDeep(dropped).value;
    expect(d).toEqual({ keep: shared, list: [shared, null] });
    expect(Object.keys(d)).toEqual(['keep', 'list']);
    expect(d.list[0]).toBe(shared);

    const at = { when: new Date(0), keep: shared };
    expect(redactDeep(at).value).toEqual({ when: '1970-01-01T00:00:00.000Z', keep: shared });

    const cyclic: Record<string, unknown> = { keep: shared };
    cyclic['self'] = cyclic;
    const c = redactDeep(cyclic).value;
    expect(c).toEqual({ keep: shared, self: CIRCULAR });
    expect(c['keep']).toBe(shared);
    expect(cyclic['self']).toBe(cyclic);

    const deep = { keep: shared, nest: [[[]]] };
    const t = redactDeep(deep, { maxDepth: 3 }).value;
    expect(t).toEqual({ keep: shared, nest: [[TRUNCATED]] });
    expect(deep.nest).toEqual([[[]]]);
  });

  it('tells a cycle from a value met again on another path', () => {
    const shared: Record<string, unknown> = { v: 'plain' };
    const middle: Record<string, unknown> = { shared };
    const root = { a: { b: shared }, c: shared, m: middle, list: [[shared], shared] };
    expect(redactDeep(root).value).toBe(root);
    middle['up'] = middle;
    const { value } = redactDeep(root);
    expect(value).toEqual({
      a: { b: { v: 'plain' } },
      c: { v: 'plain' },
      m: { shared: { v: 'plain' }, up: CIRCULAR },
      list: [[{ v: 'plain' }], { v: 'plain' }],
    });
    expect(value.m['shared']).toBe(shared);
    expect(value.a).toBe(root.a);
  });

  it('makes plain objects of other objects even when nothing is found, as the full copy did', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const point = new Point(1);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { y: 'plain' });
    const { value } = redactDeep({ point, bare });
    expect(Object.getPrototypeOf(value.point)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value.bare)).toBe(Object.prototype);
    expect(value).toEqual({ point: { x: 1 }, bare: { y: 'plain' } });
  });

  it('keeps array holes, with or without a change', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse: unknown[] = [, 'plain', , 'a@example.com', ,];
    const out = redactDeep(sparse).value;
    expect(out).not.toBe(sparse);
    expect(out).toHaveLength(5);
    expect([0, 2, 4].map((i) => i in out)).toEqual([false, false, false]);
    expect(out[3]).toBe('[REDACTED:email]');
    // eslint-disable-next-line no-sparse-arrays
    const unchanged: unknown[] = [, 'plain'];
    expect(redactDeep(unchanged).value).toBe(unchanged);
  });

  it('reads each property once, also when the container is copied after all', () => {
    let reads = 0;
    const input = {
      get first() {
        reads += 1;
        return reads === 1 ? 'plain' : 'a@example.com';
      },
      second: 'b@example.com',
    };
    const { value, counts } = redactDeep(input);
    expect(value).toEqual({ first: 'plain', second: '[REDACTED:email]' });
    expect(counts).toEqual({ email: 1 });
    expect(reads).toBe(1);
  });

  it('never writes to its input (a frozen input is fine)', () => {
    const freeze = (v: unknown): unknown => {
      if (v && typeof v === 'object') for (const child of Object.values(v)) freeze(child);
      return Object.freeze(v);
    };
    const input = freeze({ a: ['mail a@example.com', { token: 'x' }], b: { c: [1] } }) as {
      b: unknown;
    };
    const { value } = redactDeep(input);
    expect(value).toEqual({
      a: ['mail [REDACTED:email]', { token: '[REDACTED:password]' }],
      b: { c: [1] },
    });
    expect(value.b).toBe(input.b);
  });

  it('applies extraRedaction to string values and keys after the engine, not to replacements', () => {
    const seen: string[] = [];
    const extra = (s: string) => {
      seen.push(s);
      return s.replaceAll('ACME-1', '[acme]');
    };
    const input = { 'ACME-1': 'id ACME-1, a@example.com', password: 'ACME-1', keep: ['plain'] };
    const { value, counts } = redactDeep(input, { extraRedaction: extra });
    expect(value).toEqual({
      '[acme]': 'id [acme], [REDACTED:email]',
      password: '[REDACTED:password]',
      keep: ['plain'],
    });
    expect(counts).toEqual({ email: 1, password: 1 });
    expect(seen).toEqual(['id ACME-1, [REDACTED:email]', 'ACME-1', 'password', 'plain', 'keep']);
    expect(value.keep).toBe(input.keep);
    const untouched = { list: ['plain'] };
    expect(redactDeep(untouched, { extraRedaction: (s) => s }).value).toBe(untouched);
  });

  it('still checks the kinds, once per call, before any walk', () => {
    expect(() => redactDeep(5, { kinds: ['nope' as SensitiveKind] })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_KIND' }),
    );
    const many = Array.from({ length: 50 }, (_, i) => `a${i}@example.com`);
    const { counts } = redactDeep(many, { kinds: ['email', 'email'] });
    expect(counts).toEqual({ email: 50 });
  });
});
