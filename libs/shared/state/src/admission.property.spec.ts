import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryBackend, MemoryStateStore } from './memory-store.js';
import { takeFromBucket, type BucketState } from './token-bucket.js';

const bucketArb = fc.record({
  capacity: fc.integer({ min: 1, max: 10 }),
  refillPerSecond: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 20, noNaN: true })),
});
const stepArb = fc.record({
  delayMs: fc.integer({ min: 0, max: 300 }),
  costs: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
  quotaCost: fc.integer({ min: 0, max: 2 }),
});

describe('admission properties (memory store, simulated clock)', () => {
  it('matches a model of all-or-nothing takes and never over-admits any bucket or quota', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(bucketArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        async (buckets, limit, steps) => {
          let now = 1_700_000_000_000;
          const store = new MemoryStateStore({ backend: createMemoryBackend({ now: () => now }) });
          const model: Array<BucketState | undefined> = buckets.map(() => undefined);
          const admitted = buckets.map(() => 0);
          let used = 0;
          let elapsedMs = 0;
          for (const { delayMs, costs, quotaCost } of steps) {
            now += delayMs;
            elapsedMs += delayMs;
            const options = buckets.map((b, i) => ({ ...b, cost: costs[i] ?? 0 }));
            const result = await store.admit({
              buckets: options.map((o, i) => ({ key: `b${i}`, ...o })),
              quotas: [{ key: 'q', limit, windowTtlMs: 3_600_000, cost: quotaCost }],
            });
            const modelSteps = options.map((o, i) => takeFromBucket(model[i], now, o));
            const expected = modelSteps.every((s) => s.result.allowed) && used + quotaCost <= limit;
            expect(result.allowed).toBe(expected);
            if (expected) {
              expect(result.buckets).toEqual(modelSteps.map((s) => s.result));
              modelSteps.forEach((s, i) => {
                model[i] = s.next?.state;
                admitted[i] = (admitted[i] ?? 0) + (options[i]?.cost ?? 0);
              });
              used += quotaCost;
            }
            expect(result.quotas[0]?.used).toBe(used);
            buckets.forEach((b, i) => {
              // Tiny epsilon: fractional refill is computed in floating point.
              expect(admitted[i]).toBeLessThanOrEqual(
                b.capacity + (b.refillPerSecond * elapsedMs) / 1000 + 1e-9,
              );
            });
            expect(used).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
