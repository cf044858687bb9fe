import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IBAN_LENGTHS, luhnValid } from './checksums.js';
import { detect } from './detect.js';
import { SENSITIVE_KINDS, type SensitiveKind } from './kinds.js';
import { redact } from './redact.js';

/** A planted secret: `text` goes into the haystack, `secret` must not survive redaction. */
interface Planted {
  text: string;
  secret: string;
}

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const plain = (arb: fc.Arbitrary<string>): fc.Arbitrary<Planted> =>
  arb.map((s) => ({ text: s, secret: s }));

function withLuhnDigit(digits: number[]): string {
  const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((d) => luhnValid([...digits, d])) ?? 0;
  return [...digits, check].join('');
}

function ibanFor(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`]
    .map((c) => (c >= 'A' ? String(c.charCodeAt(0) - 55) : c))
    .join('');
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, '0')}${bban}`;
}

const octet = fc.integer({ min: 0, max: 255 }).map(String);

/** One generator of valid instances per kind (the secret part only, where there is context). */
const PLANTED: Record<SensitiveKind, fc.Arbitrary<Planted>> = {
  private_key: chars(`${ALNUM}+/`, 16, 120).map((b) => {
    const text = `-----BEGIN RSA PRIVATE KEY-----\n${b}\n-----END RSA PRIVATE KEY-----`;
    return { text, secret: b };
  }),
  jwt: fc
    .tuple(chars(`${ALNUM}_-`, 5, 40), chars(`${ALNUM}_-`, 2, 60), chars(`${ALNUM}_-`, 0, 60))
    .map(([h, p, s]) => ({ text: `eyJ${h}.eyJ${p}.${s}`, secret: `eyJ${h}.eyJ${p}.${s}` })),
  aws_secret_access_key: chars(`${ALNUM}/+`, 40, 40).map((v) => ({
    text: `aws_secret_access_key=${v}`,
    secret: v,
  })),
  aws_access_key_id: plain(
    chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 16).map((s) => `AKIA${s}`),
  ),
  github_token: plain(
    fc
      .tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), chars(ALNUM, 36, 40))
      .map(([p, s]) => p + s),
  ),
  slack_webhook: plain(
    chars(ALNUM, 8, 40).map((s) => `https://hooks.slack.com/services/T0/B0/${s}`),
  ),
  slack_token: plain(
    fc
      .tuple(fc.constantFrom('xoxb-', 'xoxp-', 'xoxa-'), chars(`${ALNUM}-`, 10, 50))
      .map(([p, s]) => p + s),
  ),
  anthropic_key: plain(chars(`${ALNUM}_-`, 20, 90).map((s) => `sk-ant-api03-${s}`)),
  bearer_token: chars(`${ALNUM}._~+/-`, 12, 60).map((t) => ({
    text: `Authorization: Bearer ${t}`,
    secret: t,
  })),
  password: chars(`${ALNUM}!#$%*`, 10, 30).map((v) => ({ text: `password=${v}`, secret: v })),
  credit_card: plain(
    fc
      .tuple(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 14, maxLength: 14 }),
        fc.boolean(),
      )
      .filter(([first, rest]) => rest.some((d) => d !== first))
      .map(([first, rest, grouped]) => {
        const number = withLuhnDigit([first, ...rest]);
        return grouped ? (number.match(/.{1,4}/g) ?? []).join(' ') : number;
      }),
  ),
  iban: plain(
    fc
      .tuple(fc.constantFrom('DE', 'GB', 'FR', 'NL'), chars(DIGITS, 30, 30))
      .map(([country, digits]) => {
        const length = IBAN_LENGTHS[country] ?? 22;
        return ibanFor(country, digits.slice(0, length - 4));
      }),
  ),
  email: plain(
    fc
      .tuple(chars(`${LOWER}0123456789._+`, 1, 20), chars(LOWER, 1, 12), chars(LOWER, 2, 6))
      .filter(([l]) => !l.startsWith('.') && !l.endsWith('.'))
      .map(([l, d, t]) => `${l}@${d}.${t}`),
  ),
  ipv6: plain(fc.array(chars(HEX, 1, 4), { minLength: 8, maxLength: 8 }).map((g) => g.join(':'))),
  ipv4: plain(fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'))),
  phone: plain(
    fc.oneof(
      fc
        .tuple(
          fc.integer({ min: 200, max: 999 }),
          fc.integer({ min: 200, max: 999 }),
          chars(DIGITS, 4, 4),
        )
        .map(([a, e, l]) => `(${a}) ${e}-${l}`),
      fc
        .tuple(fc.integer({ min: 10, max: 99 }), chars(DIGITS, 4, 4), chars(DIGITS, 4, 4))
        .map(([a, b, c]) => `+44 ${a} ${b} ${c}`),
    ),
  ),
};

// Near-miss characters on purpose: digits, separators and the prefixes' punctuation.
const noise = chars(`${ALNUM} \n.:-@+_/="'(),;[]`, 0, 60);

describe('redaction properties', () => {
  for (const kind of SENSITIVE_KINDS) {
    it(`never leaves a planted ${kind} in the text`, () => {
      fc.assert(
        fc.property(noise, PLANTED[kind], noise, (before, planted, after) => {
          const text = `${before} ${planted.text} ${after}`;
          const result = redact(text);
          expect(result.text).not.toContain(planted.secret);
          expect(Object.values(result.counts).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
        }),
        { numRuns: 4000 },
      );
    });
  }

  it('is idempotent', () => {
    const anyPlanted = fc.oneof(...SENSITIVE_KINDS.map((k) => PLANTED[k]));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            noise,
            anyPlanted.map((p) => p.text),
          ),
          { maxLength: 6 },
        ),
        (parts) => {
          const once = redact(parts.join(' ')).text;
          expect(redact(once).text).toBe(once);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('returns sorted, non-overlapping, in-bounds findings for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
          noise,
        ),
        (text) => {
          let previousEnd = 0;
          for (const f of detect(text)) {
            expect(f.start).toBeGreaterThanOrEqual(previousEnd);
            expect(f.end).toBeGreaterThan(f.start);
            expect(f.end).toBeLessThanOrEqual(text.length);
            previousEnd = f.end;
          }
        },
      ),
    );
  });
});
