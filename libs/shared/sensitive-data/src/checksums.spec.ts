import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IBAN_LENGTHS, ibanChecksumValid, luhnValid } from './checksums.js';

const digitsOf = (s: string) => [...s].map(Number);

describe('luhnValid', () => {
  it('accepts known test numbers and rejects a changed digit', () => {
    expect(luhnValid(digitsOf('4111111111111111'))).toBe(true);
    expect(luhnValid(digitsOf('79927398713'))).toBe(true);
    expect(luhnValid(digitsOf('79927398710'))).toBe(false);
  });

  it('detects every single-digit error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (payload, at, delta) => {
          const check =
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((d) => luhnValid([...payload, d])) ?? -1;
          const valid = [...payload, check];
          const i = at % valid.length;
          const broken = valid.map((d, j) => (j === i ? (d + delta) % 10 : d));
          expect(luhnValid(valid)).toBe(true);
          expect(luhnValid(broken)).toBe(false);
        },
      ),
    );
  });
});

describe('ibanChecksumValid', () => {
  it('accepts registry examples and rejects a transposition', () => {
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('DE89370400440532013000')).toBe(true);
    expect(ibanChecksumValid('GB82WEST12345698765423')).toBe(false);
    expect(ibanChecksumValid('GB82WEST1234569876543!')).toBe(false);
  });

  it('knows the lengths of major countries', () => {
    expect(IBAN_LENGTHS['DE']).toBe(22);
    expect(IBAN_LENGTHS['NO']).toBe(15);
    expect(IBAN_LENGTHS['RU']).toBe(33);
  });
});
