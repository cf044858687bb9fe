import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../test/support/fakes.js';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('logs a key once per interval and reports how many repeats it swallowed', () => {
    let now = 0;
    const { logger, lines } = capturingLogger();
    const throttle = new LogThrottle(logger, 1000, () => now);
    throttle.warn('a', 'store down', { code: 'X' });
    throttle.warn('a', 'store down', { code: 'X' });
    throttle.warn('b', 'other');
    now = 1000;
    throttle.warn('a', 'store down', { code: 'X' });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r['message'], r['suppressed']])).toEqual([
      ['store down', undefined],
      ['other', undefined],
      ['store down', 1],
    ]);
  });
});
