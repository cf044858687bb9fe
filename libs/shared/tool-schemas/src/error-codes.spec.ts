import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_HTTP_STATUS, isErrorCode } from './error-codes.js';

describe('error-code catalogue', () => {
  it('names each code after itself, with a service prefix or as a shared code', () => {
    for (const [key, code] of Object.entries(ERROR_CODES)) {
      expect(code).toBe(key);
      expect(code).toMatch(/^(?:(?:GW|BRK|CHAT|ANL)_ERR_)?[A-Z][A-Z0-9_]*$/);
    }
  });

  it('contains the shared codes every service relies on', () => {
    for (const code of [
      'VALIDATION_FAILED',
      'NOT_FOUND',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'RATE_LIMITED',
      'PAYLOAD_TOO_LARGE',
      'STORE_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_TIMEOUT',
      'INTERNAL',
    ]) {
      expect(isErrorCode(code)).toBe(true);
    }
  });

  it('maps every code, and only catalogue codes, to a 4xx or 5xx status', () => {
    expect(Object.keys(ERROR_HTTP_STATUS).sort()).toEqual(Object.values(ERROR_CODES).sort());
    for (const status of Object.values(ERROR_HTTP_STATUS))
      expect(status >= 400 && status < 600).toBe(true);
    expect(ERROR_HTTP_STATUS.RATE_LIMITED).toBe(429);
    expect(ERROR_HTTP_STATUS.UPSTREAM_TIMEOUT).toBe(504);
  });

  it('does not treat inherited properties as codes', () => {
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('GW_ERR_NOPE')).toBe(false);
  });
});
