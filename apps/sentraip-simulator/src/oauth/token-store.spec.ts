import { describe, expect, it } from 'vitest';
import { TokenStore } from './token-store.js';

describe('TokenStore', () => {
  it('verifies a token until it expires, then forgets it', () => {
    let now = 1_000;
    const store = new TokenStore(() => now);
    const token = store.issue('client', 2);
    expect(token.accessToken).toMatch(/^sim_at_[A-Za-z0-9_-]{32}$/);
    expect(store.verify(token.accessToken)).toMatchObject({ clientId: 'client', expiresAt: 3_000 });
    now = 2_999;
    expect(store.verify(token.accessToken)).toBeDefined();
    now = 3_000;
    expect(store.verify(token.accessToken)).toBeUndefined();
  });

  it('never verifies a token it did not issue', () => {
    const store = new TokenStore();
    store.issue('client', 60);
    expect(store.verify('sim_at_forged')).toBeUndefined();
  });

  it('issues distinct tokens', () => {
    const store = new TokenStore();
    const seen = new Set(Array.from({ length: 100 }, () => store.issue('c', 60).accessToken));
    expect(seen.size).toBe(100);
  });
});
