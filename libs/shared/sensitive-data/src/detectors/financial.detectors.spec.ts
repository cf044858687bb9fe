import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';

const hits = (text: string, kind: 'credit_card' | 'iban') =>
  detect(text, { kinds: [kind] }).map((f) => text.slice(f.start, f.end));

describe('credit_card', () => {
  it('finds Luhn-valid numbers, plain or grouped by spaces or dashes', () => {
    const cards = [
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '5500005555555559',
      '3782 822463 10005',
      '6011000990139424',
    ];
    for (const card of cards) expect(hits(`paid with ${card}.`, 'credit_card')).toEqual([card]);
  });

  it('takes the longest valid prefix when more digit groups follow', () => {
    expect(hits('4111 1111 1111 1111 2024', 'credit_card')).toEqual(['4111 1111 1111 1111']);
  });

  it('ignores Luhn failures, wrong lengths, repeated digits and mixed separators', () => {
    const text = [
      '4111 1111 1111 1112',
      '411111111111', // 12 digits
      '41111111111111111111', // 20 digits, plain long number
      '4444 4444 4444 4444', // one repeated digit (Luhn-valid)
      '4111-1111 1111 1111',
      '1763625652407', // epoch milliseconds
      '4111111111111111abc',
      '3.4111111111111111',
    ].join(' | ');
    expect(hits(text, 'credit_card')).toEqual([]);
  });
});

describe('iban', () => {
  it('finds printed and compact IBANs with a valid checksum', () => {
    for (const iban of [
      'GB82 WEST 1234 5698 7654 32',
      'DE89370400440532013000',
      'FR14 2004 1010 0505 0001 3M02 606',
      'NO9386011117947',
    ]) {
      expect(hits(`pay to ${iban}, thanks`, 'iban')).toEqual([iban]);
    }
  });

  it('ignores bad checksums, wrong lengths, unknown countries and glued words', () => {
    const text = [
      'GB82 WEST 1234 5698 7654 33',
      'GB82WEST123456987654',
      'ZZ82WEST12345698765432',
      'DE89370400440532013000EUR',
      'gb82west12345698765432',
    ].join(' | ');
    expect(hits(text, 'iban')).toEqual([]);
  });
});
