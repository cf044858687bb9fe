import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, MemoryStateStore } from './memory-store.js';
import { takeFromBucket } from './token-bucket.js';

const bucketArb = fc.record({
  capacity: fc.integer({ min: 1, max: 20 }),
  refillPerSecond: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 50, noNaN: true })),
});
const stepsArb = fc.array(
  fc.record({ delayMs: fc.integer({ min: 0, max: 300 }), cost: fc.integer({ min: 0, max: 4 }) }),
  { minLength: 1, maxLength: 60 },
);

function storeWithClock(): { store: MemoryStateStore; advance(ms: number): void } {
  let now = 1_700_000_000_000;
  const store = new MemoryStateStore({ backend: createMemoryBackend({ now: () => now }) });
  return { store, advance: (ms) => (now += ms) };
}

describe('token bucket properties (memory store, simulated clock)', () => {
  it('never over-admits: admitted cost ≤ capacity + refill × elapsed', async () => {
    await fc.assert(
      fc.asyncProperty(bucketArb, stepsArb, async (bucket, steps) => {
        const { store, advance } = storeWithClock();
        let elapsedMs = 0;
        let admitted = 0;
        for (const { delayMs, cost } of steps) {
          advance(delayMs);
          elapsedMs += delayMs;
          const result = await store.takeTokens('k', { ...bucket, cost });
          if (result.allowed) admitted += cost;
          expect(result.remaining).toBeGreaterThanOrEqual(0);
          expect(result.remaining).toBeLessThanOrEqual(bucket.capacity);
          // Tiny epsilon: fractional refill is computed in floating point.
          expect(admitted).toBeLessThanOrEqual(
            bucket.capacity + (bucket.refillPerSecond * elapsedMs) / 1000 + 1e-9,
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a denied request is admitted after waiting retryAfterMs (when it can ever be)', async () => {
    await fc.assert(
      fc.asyncProperty(
        bucketArb,
        stepsArb,
        fc.integer({ min: 1, max: 4 }),
        async (bucket, steps, cost) => {
          const { store, advance } = storeWithClock();
          for (const step of steps) {
            advance(step.delayMs);
            await store.takeTokens('k', { ...bucket, cost: step.cost });
          }
          const denied = await store.takeTokens('k', { ...bucket, cost });
          if (denied.allowed) return;
          if (bucket.refillPerSecond === 0 || cost > bucket.capacity) {
            expect(denied.retryAfterMs).toBe(Infinity);
            return;
          }
          expect(denied.retryAfterMs).toBeGreaterThan(0);
          advance(denied.retryAfterMs);
          expect((await store.takeTokens('k', { ...bucket, cost })).allowed).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never refills for a clock that went backwards', () => {
    fc.assert(
      fc.property(bucketArb, fc.integer({ min: 1, max: 10_000 }), (bucket, backMs) => {
        const full = { ...bucket, cost: bucket.capacity };
        const drained = takeFromBucket(undefined, 10_000_000, full);
        const state = drained.next?.state;
        if (!state) return;
        const later = takeFromBucket(state, 10_000_000 - backMs, { ...full, cost: 0 });
        expect(later.result.remaining).toBe(0);
      }),
    );
  });
});
