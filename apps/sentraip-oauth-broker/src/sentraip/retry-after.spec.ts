import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 3 ', now)).toBe(3000);
  });

  it('reads an IMF-fixdate relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent and malformed values', () => {
    for (const value of [
      undefined,
      '',
      '-1',
      '1.5',
      'soon',
      '2025-06-01T12:00:05Z',
      'Sun, 01 Jun 2025 12:00:05 PST',
    ]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});
