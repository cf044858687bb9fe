import Opossum from 'opossum';
import { afterEach, describe, expect, it } from 'vitest';
import { countingStatus } from './breaker-status.js';

const breakers: Opossum[] = [];
afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
});

async function exercise(status?: Opossum.Status): Promise<Opossum> {
  const breaker = new Opossum(
    async (fail: boolean) => {
      if (fail) throw new Error('boom');
      return 'ok';
    },
    {
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      volumeThreshold: 1000,
      ...(status && { status }),
    },
  );
  breakers.push(breaker);
  for (let i = 0; i < 50; i++) await breaker.fire(false);
  for (let i = 0; i < 7; i++) await breaker.fire(true).catch(() => undefined);
  return breaker;
}

const latencies = (breaker: Opossum): number =>
  breaker.status.window.reduce(
    (sum, bucket) => sum + (bucket as { latencyTimes: unknown[] }).latencyTimes.length,
    0,
  );

describe('countingStatus', () => {
  it('counts what opossum counts and keeps no per-call latency', async () => {
    const control = await exercise();
    // The reason for it: opossum keeps every call's latency even with percentiles off.
    expect(latencies(control)).toBe(57);

    const counted = await exercise(
      countingStatus({ rollingCountTimeout: 10_000, rollingCountBuckets: 10 }),
    );
    expect(latencies(counted)).toBe(0);
    for (const key of ['fires', 'successes', 'failures', 'rejects', 'timeouts'] as const) {
      expect(counted.stats[key], key).toBe(control.stats[key]);
    }
    expect(counted.stats).toMatchObject({ fires: 57, successes: 50, failures: 7 });
  });

  it('still opens the breaker past the error threshold', async () => {
    const breaker = new Opossum(
      async () => {
        throw new Error('boom');
      },
      {
        volumeThreshold: 3,
        errorThresholdPercentage: 50,
        status: countingStatus({ rollingCountTimeout: 10_000, rollingCountBuckets: 10 }),
      },
    );
    breakers.push(breaker);
    for (let i = 0; i < 3; i++) await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
  });
});
