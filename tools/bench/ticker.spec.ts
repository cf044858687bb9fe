import { describe, expect, it } from 'vitest';
import { startTicker } from './ticker.js';

const every = (gapMs: number, count: number) =>
  Float64Array.from({ length: count }, (_, i) => i * gapMs);

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('startTicker', () => {
  it('wakes the sender at each due time, a fraction of a millisecond apart, never early', async () => {
    const offsetsMs = every(0.4, 1000);
    const ticks: { at: number; dueCount: number }[] = [];
    const ticker = await startTicker({
      offsetsMs,
      onDue: (dueCount) => ticks.push({ at: performance.now() - ticker.startMs, dueCount }),
    });
    await until(() => ticks.at(-1)?.dueCount === offsetsMs.length, 3000);
    await ticker.stop();
    expect(ticks.at(-1)?.dueCount).toBe(offsetsMs.length);
    const lateness = ticks.map(({ at, dueCount }) => at - (offsetsMs[dueCount - 1] as number));
    // On the same monotonic clock, a tick never comes before its request's due time.
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    // setTimeout would wake once a millisecond at best, up to a millisecond late, and hand over
    // two or three requests at each wake-up.
    const sorted = [...lateness].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(0.3);
    expect(ticks.length).toBeGreaterThan(offsetsMs.length / 2);
  });

  it('ticks no more once stopped', async () => {
    let ticks = 0;
    const ticker = await startTicker({ offsetsMs: every(1, 2000), onDue: () => (ticks += 1) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await ticker.stop();
    const atStop = ticks;
    expect(atStop).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ticks).toBe(atStop);
  });
});
