import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BusyPoll } from './busy-poll.js';

/** Lets the poll's chain of immediates run a few loop turns. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await nextTurn();
};

describe('BusyPoll', () => {
  it('refuses a window that is not positive', () => {
    for (const bad of [0, -1, Number.NaN]) expect(() => new BusyPoll(bad)).toThrow(RangeError);
  });

  it('polls until one window after the latest touch, then stops', async () => {
    let clock = 0;
    const poll = new BusyPoll(1000, () => clock);
    expect(poll.active).toBe(false);
    poll.touch();
    await turns();
    expect(poll.active).toBe(true);
    clock = 0.6;
    poll.touch();
    clock = 1.2;
    await turns();
    expect(poll.active).toBe(true);
    clock = 1.7;
    await turns();
    expect(poll.active).toBe(false);
  });

  it('starts one chain however often it is touched', async () => {
    let clock = 0;
    let clockReads = 0;
    const poll = new BusyPoll(1000, () => {
      clockReads++;
      return clock;
    });
    for (let i = 0; i < 100; i++) poll.touch();
    await turns(5);
    // 100 touches read the clock once each; a single chain reads it once per turn.
    expect(clockReads - 100).toBeLessThanOrEqual(5);
    expect(clockReads - 100).toBeGreaterThan(0);
    clock = 2;
    await turns();
    expect(poll.active).toBe(false);
  });
});
