import { describe, expect, it } from 'vitest';
import { reconnectDelay, redisOptions, withDeadline } from './redis-connection.js';

describe('reconnectDelay', () => {
  it('grows exponentially from 50 ms and is capped, forever', () => {
    const max = (attempt: number) => reconnectDelay(attempt, 2_000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(max)).toEqual([50, 100, 200, 400, 800, 1_600]);
    expect(max(7)).toBe(2_000);
    expect(max(10_000)).toBe(2_000);
  });

  it('jitters between half and all of the capped delay', () => {
    expect(reconnectDelay(3, 2_000, () => 0)).toBe(100);
    expect(reconnectDelay(50, 2_000, () => 0)).toBe(1_000);
    for (let i = 0; i < 100; i++) {
      const d = reconnectDelay(4, 2_000);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe('redisOptions', () => {
  it('fails fast: no offline queue, command timeout, no re-sent commands, endless bounded reconnects', () => {
    const options = redisOptions({
      commandTimeoutMs: 700,
      connectTimeoutMs: 900,
      maxReconnectDelayMs: 300,
    });
    expect(options).toMatchObject({
      commandTimeout: 700,
      connectTimeout: 900,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
    });
    expect(options.retryStrategy?.(1_000)).toBeLessThanOrEqual(300);
    expect(typeof options.retryStrategy?.(1_000_000)).toBe('number');
  });
});

describe('withDeadline', () => {
  it('passes a result through before the deadline', async () => {
    await expect(withDeadline(Promise.resolve(7), Date.now() + 100)).resolves.toBe(7);
  });

  it('rejects with StoreUnavailableError(timeout) at the deadline', async () => {
    const started = Date.now();
    await expect(withDeadline(new Promise(() => undefined), Date.now() + 50)).rejects.toMatchObject(
      {
        code: 'STORE_UNAVAILABLE',
        reason: 'timeout',
      },
    );
    expect(Date.now() - started).toBeLessThan(500);
  });
});
