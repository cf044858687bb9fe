import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointLength, isHostname, isIpAddress } from './patterns.js';

describe('isIpAddress', () => {
  it.each([
    '203.0.113.7',
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    '2001:db8::1',
    '::ffff:192.0.2.1',
    '1:2:3:4:5:6:7:8',
    'FE80::A',
  ])('accepts %s', (value) => expect(isIpAddress(value)).toBe(true));

  it.each([
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    '1::2::3',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    ' 1.2.3.4',
    'example.com',
    '',
  ])('rejects %s', (value) => expect(isIpAddress(value)).toBe(false));

  it('accepts every address fast-check generates, v4 and v6', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => isIpAddress(ip)));
  });
});

describe('isHostname', () => {
  it.each([
    'example.com',
    'sub.example.co.uk',
    'münchen.de',
    'xn--mnchen-3ya.de',
    '例え.テスト',
    'a-b.example',
  ])('accepts %s', (value) => expect(isHostname(value)).toBe(true));

  it.each([
    'localhost',
    '-bad.com',
    'bad-.com',
    'a.b',
    '1.2.3.4',
    'exa mple.com',
    'example.com.',
    `${'a'.repeat(64)}.com`,
    'http://x.com',
  ])('rejects %s', (value) => expect(isHostname(value)).toBe(false));

  it('accepts up to 253 code points and rejects longer names', () => {
    const name = (labelLength: number) =>
      `${Array.from({ length: 4 }, () => 'a'.repeat(labelLength)).join('.')}.com`;
    expect(name(61)).toHaveLength(251);
    expect(isHostname(name(61))).toBe(true);
    expect(name(62)).toHaveLength(255);
    expect(isHostname(name(62))).toBe(false);
  });
});

describe('codePointLength', () => {
  it('counts an astral character once, like JSON Schema maxLength', () => {
    expect(codePointLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
  });

  it('never exceeds the UTF-16 length', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => codePointLength(s) <= s.length));
  });
});
