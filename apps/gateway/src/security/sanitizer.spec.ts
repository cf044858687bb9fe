import fc from 'fast-check';
import { DEFAULT_SENSITIVE_KEYS, redactDeep } from '@mcpgw/sensitive-data';
import { describe, expect, it } from 'vitest';
import type { SanitizeConfig } from '../gateway-config/schema.js';
import { Sanitizer } from './sanitizer.js';

const GATEWAY_KEY = 'mcpgw_0123456789abcdef_Qw3rTy5uI7oP9aS1dF3gH5jK7lZ9xC1vB3nM5qW7eR9';
const config = (over: Partial<SanitizeConfig> = {}): SanitizeConfig => ({ secrets: true, pii: false, perTool: {}, ...over });

/**
 * What Sanitizer.value did before its API-key pass was folded into the walk: redactDeep, then a
 * full copy replacing this gateway's keys in every string.
 */
function referenceValue(input: unknown, kinds: readonly string[], secrets: boolean): { value: unknown; redactions: number } {
  const redacted = redactDeep(input, { kinds: kinds as never, sensitiveKeys: secrets ? DEFAULT_SENSITIVE_KEYS : [] });
  let redactions = Object.values(redacted.counts).reduce((sum, n) => sum + (n ?? 0), 0);
  if (!secrets) return { value: redacted.value, redactions };
  const pattern = /(?<![A-Za-z0-9_-])mcpgw_[a-f0-9]{16}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(pattern, () => {
        redactions += 1;
        return '[REDACTED:gateway_api_key]';
      });
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    }
    return value;
  };
  return { value: replace(redacted.value), redactions };
}

describe('Sanitizer', () => {
  it('redacts a secret used as a key (a map of tokens), this gateway\'s keys included', () => {
    const token = `ghp_${'A1b2C3d4E5'.repeat(3)}123456`;
    const { value, redactions } = new Sanitizer(config()).result({ structuredContent: { [token]: { owner: 'ci' }, [GATEWAY_KEY]: 'admin' } }, undefined);
    expect(JSON.stringify(value)).not.toContain(token);
    expect(JSON.stringify(value)).not.toContain(GATEWAY_KEY);
    expect(Object.values(value['structuredContent'] as object)).toEqual([{ owner: 'ci' }, 'admin']);
    expect(redactions).toBe(2);
  });

  it('returns a result with nothing to redact as is', () => {
    const sanitizer = new Sanitizer(config());
    const result = {
      content: [{ type: 'text', text: 'x'.repeat(1024) }],
      structuredContent: { payload: 'x'.repeat(1024), n: 1, list: [{ ok: true }] },
    };
    const { value, redactions } = sanitizer.result(result, 'up__echo');
    expect(value).toBe(result);
    expect(redactions).toBe(0);
    expect(sanitizer.secrets(result)).toBe(result);
  });

  it('copies only the path to a gateway API key and counts it', () => {
    const sanitizer = new Sanitizer(config());
    const result = {
      content: [{ type: 'text', text: 'plain' }],
      structuredContent: { keys: [{ id: 'k1' }, { note: `use ${GATEWAY_KEY} here` }], n: 1 },
    };
    const { value, redactions } = sanitizer.result(result, undefined);
    expect(redactions).toBe(1);
    const out = value as typeof result;
    expect(out.structuredContent.keys[1]).toEqual({ note: 'use [REDACTED:gateway_api_key] here' });
    expect(out.content).toBe(result.content);
    expect(out.structuredContent.keys[0]).toBe(result.structuredContent.keys[0]);
    expect(out.structuredContent).not.toBe(result.structuredContent);
    expect(result.structuredContent.keys[1]?.note).toContain(GATEWAY_KEY);
  });

  it('counts a key under a secret-named property once, as a password', () => {
    const sanitizer = new Sanitizer(config());
    const { value, redactions } = sanitizer.value({ api_key: GATEWAY_KEY, text: `${GATEWAY_KEY} and ${GATEWAY_KEY}` }, 't');
    expect(value).toEqual({ api_key: '[REDACTED:password]', text: '[REDACTED:gateway_api_key] and [REDACTED:gateway_api_key]' });
    expect(redactions).toBe(3);
  });

  it('works out each tool policy once and falls back to the global one', () => {
    const sanitizer = new Sanitizer(
      config({ perTool: { 'up__pii': { pii: true }, 'up__raw': { secrets: false }, 'up__open': { secrets: false, pii: true } } }),
    );
    expect(sanitizer.kindsFor('up__pii')).toBe(sanitizer.kindsFor('up__pii'));
    expect(sanitizer.kindsFor('up__pii')).toContain('email');
    expect(sanitizer.kindsFor('up__raw')).toEqual([]);
    expect(sanitizer.kindsFor('other')).toBe(sanitizer.kindsFor(undefined));
    expect(sanitizer.kindsFor('constructor')).toBe(sanitizer.kindsFor(undefined));
    expect(sanitizer.kindsFor('__proto__')).not.toContain('email');

    const input = { text: `a@example.com ${GATEWAY_KEY}`, password: 'p' };
    expect(sanitizer.value(input, 'up__raw')).toEqual({ value: input, redactions: 0 });
    expect(sanitizer.value(input, 'up__open')).toEqual({
      value: { text: `[REDACTED:email] ${GATEWAY_KEY}`, password: 'p' },
      redactions: 1,
    });
    expect(sanitizer.value(input, 'up__pii').redactions).toBe(3);
    expect(sanitizer.message(`x ${GATEWAY_KEY}`, 'up__raw')).toBe(`x ${GATEWAY_KEY}`);
    expect(sanitizer.message(`x ${GATEWAY_KEY}`, 'other')).toBe('x [REDACTED:gateway_api_key]');
  });

  it('masks secrets for kept copies whatever the policy', () => {
    const sanitizer = new Sanitizer(config({ secrets: false, pii: false }));
    const args = { query: `key ${GATEWAY_KEY}`, token: 't', mail: 'a@example.com' };
    expect(sanitizer.secrets(args)).toEqual({ query: 'key [REDACTED:gateway_api_key]', token: '[REDACTED:password]', mail: 'a@example.com' });
    expect(sanitizer.value(args, 'x').value).toBe(args);
  });

  it('equals redactDeep followed by the full-copy key pass, and leaves its input alone', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom(GATEWAY_KEY, `k=${GATEWAY_KEY}`, `mcpgw_ ${GATEWAY_KEY}x`, 'mail a@example.com', 'Bearer abcdefghijklmnop'),
    );
    const key = fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('password', 'text', '__proto__'));
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node.map((v): unknown => JSON.parse(JSON.stringify(v)));
    const policies = [config(), config({ pii: true }), config({ secrets: false, pii: true })];
    fc.assert(
      fc.property(json, fc.constantFrom(...policies), (input, policy) => {
        const sanitizer = new Sanitizer(policy);
        const before = JSON.stringify(input);
        const expected = referenceValue(input, sanitizer.kindsFor(undefined), policy.secrets);
        const actual = sanitizer.value(input, undefined);
        expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
        expect(actual.redactions).toBe(expected.redactions);
        expect(JSON.stringify(input)).toBe(before);
        if (JSON.stringify(actual.value) === before) expect(actual.value).toBe(input);
      }),
      { numRuns: 500 },
    );
  });
});
