import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect } from './detect.js';
import { CIRCULAR, redactDeep, TRUNCATED } from './redact-deep.js';

describe('redactDeep', () => {
  it('redacts strings at any depth, keys included, and keeps other values', () => {
    const input = {
      'a@example.com': 'mail a@example.com',
      list: ['192.0.2.1', 7, true, null, { deep: ['call +44 20 7946 0958'] }],
    };
    const { value, counts } = redactDeep(input);
    expect(value).toEqual({
      '[REDACTED:email]': 'mail [REDACTED:email]',
      list: ['[REDACTED:ipv4]', 7, true, null, { deep: ['call [REDACTED:phone]'] }],
    });
    expect(counts).toEqual({ email: 2, ipv4: 1, phone: 1 });
    expect(input.list[0]).toBe('192.0.2.1'); // the input is not mutated
  });

  it('keeps apart two keys that redact to the same text', () => {
    const { value } = redactDeep({ 'a@example.com': 1, 'b@example.com': 2, '[REDACTED:email]': 3 });
    expect(value).toEqual({
      '[REDACTED:email]': 1,
      '[REDACTED:email] (2)': 2,
      '[REDACTED:email] (3)': 3,
    });
  });

  it('replaces the values of secret-named keys whole, unless turned off', () => {
    const input = {
      Password: 'hunter2',
      'X-Api-Key': 'k',
      token: '',
      nested: { client_secret: 'abc' },
      count: 3,
    };
    expect(redactDeep(input)).toEqual({
      value: {
        Password: '[REDACTED:password]',
        'X-Api-Key': '[REDACTED:password]',
        token: '',
        nested: { client_secret: '[REDACTED:password]' },
        count: 3,
      },
      counts: { password: 3 },
    });
    expect(redactDeep(input, { sensitiveKeys: [] }).value.Password).toBe('hunter2');
    expect(redactDeep(input, { kinds: ['email'] }).value.Password).toBe('hunter2');
  });

  it('keeps a "__proto__" key as a key', () => {
    const input: unknown = JSON.parse('{"__proto__":{"x":"a@example.com"}}');
    const { value } = redactDeep(input);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"x":"[REDACTED:email]"}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('is cycle-safe and walks shared references each time', () => {
    const shared = { m: 'a@example.com' };
    const cyclic: Record<string, unknown> = { one: shared, two: shared };
    cyclic['self'] = cyclic;
    const { value, counts } = redactDeep(cyclic);
    expect(value).toEqual({
      one: { m: '[REDACTED:email]' },
      two: { m: '[REDACTED:email]' },
      self: CIRCULAR,
    });
    expect(counts).toEqual({ email: 2 });
  });

  it('bounds the depth', () => {
    let nested: unknown = 'a@example.com';
    for (let i = 0; i < 10; i += 1) nested = [nested];
    const { value } = redactDeep(nested, { maxDepth: 3 });
    expect(value).toEqual([[[TRUNCATED]]]);
    expect(JSON.stringify(redactDeep(nested).value)).toContain('[REDACTED:email]');
  });

  it('converts values with toJSON first, once', () => {
    const loop = { toJSON: () => loop };
    expect(redactDeep({ at: new Date(0), loop }).value).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      loop: {},
    });
  });

  it('preserves the shape of any JSON value whose keys hold nothing sensitive', () => {
    fc.assert(
      fc.property(jsonDocument, (input) => {
        // keys are redacted too (first test): a key such as "A@0.AA" is an e-mail address
        fc.pre(keysOf(input).every((key) => detect(key).length === 0));
        const { value } = redactDeep(input);
        expect(shapeOf(value)).toEqual(shapeOf(input));
        expect(JSON.parse(JSON.stringify(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every entry of any JSON value, whatever its keys hold', () => {
    fc.assert(
      fc.property(jsonDocument, (input) => {
        const { value } = redactDeep(input);
        expect(entryCounts(value)).toEqual(entryCounts(input));
        expect(JSON.parse(JSON.stringify(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

/** The values a JSON document can hold (through JSON text once: no -0). */
const jsonDocument = fc.jsonValue().map((v): unknown => JSON.parse(JSON.stringify(v)));

/** Every object key at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  }
  return [];
}

/** The number of entries of every object and array, depth first. */
function entryCounts(value: unknown): number[] {
  if (Array.isArray(value)) return [value.length, ...value.flatMap(entryCounts)];
  if (value && typeof value === 'object') {
    const values = Object.values(value);
    return [values.length, ...values.flatMap(entryCounts)];
  }
  return [];
}

/** The value with every string replaced by a marker: what redaction must not change. */
function shapeOf(value: unknown): unknown {
  if (typeof value === 'string') return '<string>';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  }
  return value;
}
