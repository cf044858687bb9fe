import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('admits the hourly burst, then answers with Retry-After until a token refills', () => {
    let now = 0;
    const limiter = new RateLimiter(3600, () => now);
    for (let i = 0; i < 3600; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(limiter.take('b').allowed).toBe(true);
    now += 1000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const limiter = new RateLimiter(2, () => 0);
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a').retryAfterSeconds).toBe(1800);
  });

  it('starts every bucket full after reset', () => {
    const limiter = new RateLimiter(1, () => 0);
    limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    limiter.reset(5);
    expect(limiter.take('a').remaining).toBe(4);
  });

  it('never admits more than the burst plus what refilled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 300 }),
        (perHour, gaps) => {
          let now = 0;
          const limiter = new RateLimiter(perHour, () => now);
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take('c').allowed) admitted++;
          }
          expect(admitted).toBeLessThanOrEqual(
            perHour + Math.floor((now * perHour) / 3_600_000) + 1,
          );
        },
      ),
    );
  });
});
