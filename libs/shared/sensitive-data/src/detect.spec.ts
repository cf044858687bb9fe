import { describe, expect, it } from 'vitest';
import { detect } from './detect.js';
import { SensitiveDataError } from './errors.js';
import { SENSITIVE_KINDS, type SensitiveKind } from './kinds.js';

const jwt = `eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.${'c'.repeat(20)}`;

describe('detect', () => {
  it('returns findings sorted and non-overlapping, with offsets into the text', () => {
    const text = `ip 192.0.2.1 mail a@example.com card 4111 1111 1111 1111 auth Bearer ${jwt}`;
    const findings = detect(text);
    expect(findings.map((f) => f.kind)).toEqual(['ipv4', 'email', 'credit_card', 'jwt']);
    for (let i = 1; i < findings.length; i += 1) {
      expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
    }
    expect(text.slice(findings[1]!.start, findings[1]!.end)).toBe('a@example.com');
  });

  it('merges overlapping findings into their union, named by the most specific kind', () => {
    // the bearer credential and the JWT cover the same characters: one finding, kind jwt
    const text = `Authorization: Bearer ${jwt}`;
    expect(detect(text)).toEqual([{ kind: 'jwt', start: text.indexOf('eyJ'), end: text.length }]);
    // password value extends past the e-mail address: the union is reported as password
    const assignment = 'password=alice@example.com!x';
    expect(detect(assignment)).toEqual([{ kind: 'password', start: 9, end: assignment.length }]);
  });

  it('looks only for the requested kinds', () => {
    const text = 'a@example.com 192.0.2.1';
    expect(detect(text, { kinds: ['ipv4'] }).map((f) => f.kind)).toEqual(['ipv4']);
    expect(detect(text, { kinds: [] })).toEqual([]);
    expect(detect(text, { kinds: ['email', 'email'] })).toHaveLength(1);
  });

  it('rejects an unknown kind with a coded error', () => {
    const bad = ['emial'] as unknown as SensitiveKind[];
    expect(() => detect('x', { kinds: bad })).toThrow(SensitiveDataError);
    expect(() => detect('x', { kinds: bad })).toThrow(/unknown sensitive-data kind: "emial"/);
    try {
      detect('x', { kinds: bad });
    } catch (err) {
      expect((err as SensitiveDataError).code).toBe('UNKNOWN_KIND');
    }
  });

  it('finds nothing in ordinary log text', () => {
    const text =
      '2026-11-20T08:00:52.407Z INFO checkout-api request completed path=/api/cart status=200 latency_ms=216 req-100016 v1.2.3';
    expect(detect(text)).toEqual([]);
    expect(SENSITIVE_KINDS).toHaveLength(16);
  });
});
