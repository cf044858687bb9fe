import Opossum from 'opossum';

/** What the breaker counts with: opossum's rolling window. */
export interface BreakerStatusOptions {
  rollingCountTimeout: number;
  rollingCountBuckets: number;
}

type Bucket = Record<string, number>;

/**
 * opossum's rolling window of counts, without the run time it records for every call. opossum
 * pushes each call's latency into the current bucket's `latencyTimes` even with percentiles off: at
 * a few thousand calls a second that is an array of thousands of numbers per bucket, grown by
 * copying and kept for the whole window, so most of it ends up in the old generation (ADR 0009,
 * seventh amendment). Here `increment` only counts. Should opossum's internals change (no window
 * under its `window` symbol), opossum's own `increment` stays, and `breaker-status.spec.ts` fails.
 */
export function countingStatus(options: BreakerStatusOptions): Opossum.Status {
  const status = Opossum.newStatus({
    ...options,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  const windowKey = Object.getOwnPropertySymbols(status).find((s) => s.description === 'window');
  // opossum rotates its buckets inside this one array (pop and unshift), so it can be held here.
  const window: unknown =
    windowKey === undefined ? undefined : (status as unknown as Record<symbol, unknown>)[windowKey];
  if (!Array.isArray(window)) return status;
  const buckets = window as Bucket[];
  Object.defineProperty(status, 'increment', {
    value: (property: string): void => {
      const bucket = buckets[0];
      if (bucket && typeof bucket[property] === 'number') bucket[property] += 1;
    },
  });
  return status;
}
