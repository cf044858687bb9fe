import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { THREAT_TARGET_PATTERN, isHostname, isIpAddress } from '@mcpgw/tool-schemas';
import { InvalidTargetError } from '../errors.js';
import { parseTarget } from './parse-target.js';

const TARGET = new RegExp(THREAT_TARGET_PATTERN, 'u');

function problem(type: unknown, target: unknown): { field: string; message: string } {
  try {
    parseTarget(type, target);
  } catch (err) {
    if (err instanceof InvalidTargetError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected an InvalidTargetError');
}

describe('parseTarget: IP addresses', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
  ])('accepts %s as %s', (raw, canonical) => {
    expect(parseTarget('ip', raw)).toEqual({ type: 'ip', target: canonical });
  });

  it.each([
    ['999.1.1.1', /not a valid IPv4 address/],
    ['010.1.1.1', /no leading zeros/],
    ['1.2.3', /not a valid IPv4 address/],
    ['fe80::1%eth0', /not a valid IPv6 address/],
    ['2001:db8::g', /not a valid IPv6 address/],
    ['../etc', /must be an IPv4 or IPv6 address/],
    ['example.com', /must be an IPv4 or IPv6 address/],
    [' 1.2.3.4', /must be an IPv4 or IPv6 address/],
  ])('refuses %s naming the problem', (raw, message) => {
    expect(problem('ip', raw)).toEqual({
      field: 'target',
      message: expect.stringMatching(message),
    });
  });
});

describe('parseTarget: domains', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['MÜNCHEN.de', 'xn--mnchen-3ya.de'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['аррӏе.com', 'xn--80ak6aa92e.com'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
  ])('accepts %s as %s', (raw, canonical) => {
    expect(parseTarget('domain', raw)).toEqual({ type: 'domain', target: canonical });
  });

  it.each([
    ['../etc', /letters, digits, hyphens and dots only/],
    [`${'a'.repeat(300)}.com`, /longer than 253/],
    [`${'a'.repeat(64)}.com`, /label 1 is longer than 63/],
    ['a..b.com', /empty label \(label 2\)/],
    ['example.com.', /empty label/],
    ['localhost', /two labels or more/],
    ['999.1.1.1', /top-level label must start with a letter/],
    ['1.2.3.4', /is an IP address; look it up with type "ip"/],
    ['-bad.example', /label 1 is not a valid host name label/],
    ['under_score.example', /letters, digits, hyphens and dots only/],
    ['http://example.com', /letters, digits, hyphens and dots only/],
    ['example.c', /top-level label must be two or more letters/],
  ])('refuses %s naming the problem', (raw, message) => {
    expect(problem('domain', raw)).toEqual({
      field: 'target',
      message: expect.stringMatching(message),
    });
  });
});

describe('parseTarget: type and presence', () => {
  it('names the type field for an unknown type', () => {
    expect(problem('url', 'x')).toEqual({
      field: 'type',
      message: 'type must be "ip" or "domain"',
    });
    expect(problem(undefined, 'x').field).toBe('type');
  });

  it('requires a non-empty string target and prefixes batch fields', () => {
    expect(problem('ip', '')).toEqual({ field: 'target', message: 'target is required' });
    expect(problem('ip', undefined).message).toBe('target is required');
    expect(problem('ip', 42).message).toBe('target must be a string');
    expect(() => parseTarget('ip', '', 'targets[3]')).toThrow(
      expect.objectContaining({ field: 'targets[3].target' }),
    );
  });

  it('refuses huge input without looking at it', () => {
    expect(problem('domain', 'a'.repeat(100_000)).message).toMatch(/longer than 253/);
  });
});

describe('parseTarget properties', () => {
  it('accepts every IPv4 and IPv6 address, canonically and idempotently', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (raw) => {
        const parsed = parseTarget('ip', raw);
        expect(isIpAddress(parsed.target)).toBe(true);
        expect(parseTarget('ip', parsed.target)).toEqual(parsed);
      }),
    );
  });

  it('accepts generated domain names, lower-cased, matching the verdict contract', () => {
    fc.assert(
      fc.property(fc.domain(), (raw) => {
        fc.pre(/\.[a-z]{2,}$/i.test(raw) && !/(^|\.)xn--/i.test(raw));
        const parsed = parseTarget('domain', raw);
        expect(parsed.target).toBe(raw.toLowerCase());
        expect(isHostname(parsed.target)).toBe(true);
      }),
    );
  });

  it('either refuses with InvalidTargetError or returns a target the verdict contract accepts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ip', 'domain'),
        fc.string({ maxLength: 300, unit: 'grapheme' }),
        (type, raw) => {
          try {
            const parsed = parseTarget(type, raw);
            expect(TARGET.test(parsed.target)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidTargetError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
