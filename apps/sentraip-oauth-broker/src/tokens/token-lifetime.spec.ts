import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expirySkewMs, holdToken, parseStoredToken, sharedTtlMs } from './token-lifetime.js';

describe('token lifetimes', () => {
  it('keeps the shared copy expires_in − 60 s, or half of a short lifetime', () => {
    expect(sharedTtlMs(3600)).toBe(3_540_000);
    expect(sharedTtlMs(120)).toBe(60_000);
    expect(sharedTtlMs(16)).toBe(8_000);
    expect(sharedTtlMs(1)).toBe(500);
    expect(expirySkewMs(3600)).toBe(60_000);
  });

  it('derives soft expiry, refresh point and hard expiry from the shared TTL', () => {
    const now = 1_000_000;
    const held = holdToken(
      { access_token: 't', token_type: 'Bearer', expires_at: now + 3_600_000 },
      3_540_000,
      now,
    );
    expect(held.softExpiry).toBe(now + 3_540_000);
    expect(held.refreshAt).toBe(now + 2_655_000);
    expect(held.hardExpiry).toBe(now + 3_595_000);
  });

  it('orders refreshAt ≤ softExpiry ≤ hardExpiry ≤ expires_at for any lifetime and read time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (expiresIn, readAt) => {
          const issuedAt = 0;
          const ttl = sharedTtlMs(expiresIn);
          const now = Math.floor(ttl * readAt);
          const held = holdToken(
            { access_token: 't', token_type: 'Bearer', expires_at: issuedAt + expiresIn * 1000 },
            ttl - now,
            now,
          );
          expect(held.refreshAt).toBeLessThanOrEqual(held.softExpiry);
          expect(held.softExpiry).toBeLessThanOrEqual(held.hardExpiry);
          expect(held.hardExpiry).toBeLessThanOrEqual(held.expires_at);
        },
      ),
    );
  });

  it('treats a copy without TTL as usable until 60 s before expiry', () => {
    const held = holdToken(
      { access_token: 't', token_type: 'Bearer', expires_at: 600_000 },
      Infinity,
      0,
    );
    expect(held.softExpiry).toBe(540_000);
  });

  it('parses only well-formed records', () => {
    expect(parseStoredToken('{"access_token":"a","expires_at":5,"token_type":"Bearer"}')).toEqual({
      access_token: 'a',
      expires_at: 5,
      token_type: 'Bearer',
    });
    for (const raw of [
      null,
      'nope',
      '{}',
      '{"access_token":"","expires_at":5,"token_type":"x"}',
      '{"access_token":"a","expires_at":"5","token_type":"x"}',
    ]) {
      expect(parseStoredToken(raw)).toBeUndefined();
    }
  });
});
