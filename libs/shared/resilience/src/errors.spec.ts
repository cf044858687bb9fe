import { describe, expect, it } from 'vitest';
import {
  BreakerOpenError,
  BulkheadFullError,
  BulkheadTimeoutError,
  isBreakerOpenError,
  isBulkheadFullError,
  isBulkheadTimeoutError,
  isResilienceError,
  isRetriesExhaustedError,
  isRetryable,
  isTimeoutError,
  ResilienceError,
  RetriesExhaustedError,
  TimeoutError,
} from './errors.js';

describe('error catalogue', () => {
  const cause = new Error('upstream 503');
  const cases = [
    {
      err: new BreakerOpenError('up1'),
      code: 'RES_ERR_BREAKER_OPEN',
      reason: 'breaker_open',
      retryable: false,
    },
    {
      err: new BreakerOpenError('up1', 'breaker_shutdown'),
      code: 'RES_ERR_BREAKER_OPEN',
      reason: 'breaker_shutdown',
      retryable: false,
    },
    { err: new TimeoutError(250), code: 'RES_ERR_TIMEOUT', reason: 'timeout', retryable: true },
    {
      err: new RetriesExhaustedError(3, cause),
      code: 'RES_ERR_RETRIES_EXHAUSTED',
      reason: 'retries_exhausted',
      retryable: false,
    },
    {
      err: new BulkheadFullError('sentraip'),
      code: 'RES_ERR_BULKHEAD_FULL',
      reason: 'bulkhead_full',
      retryable: false,
    },
    {
      err: new BulkheadTimeoutError('sentraip', 100),
      code: 'RES_ERR_BULKHEAD_TIMEOUT',
      reason: 'bulkhead_timeout',
      retryable: false,
    },
  ] as const;

  it.each(cases)(
    '$code ($reason) carries code, reason and retryable',
    ({ err, code, reason, retryable }) => {
      expect(err).toBeInstanceOf(ResilienceError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.reason).toBe(reason);
      expect(err.retryable).toBe(retryable);
      expect(isResilienceError(err)).toBe(true);
      expect(isRetryable(err)).toBe(retryable);
      expect(err.message).not.toBe('');
    },
  );

  it('names each class for logs and stack traces', () => {
    expect(new BreakerOpenError('x').name).toBe('BreakerOpenError');
    expect(new TimeoutError(1).name).toBe('TimeoutError');
    expect(String(new BulkheadFullError('b'))).toMatch(/^BulkheadFullError: /);
  });

  it('keeps details: timeoutMs, attempts and cause', () => {
    const timeout = new TimeoutError(250, 'custom');
    expect(timeout.timeoutMs).toBe(250);
    expect(timeout.message).toBe('custom');
    const exhausted = new RetriesExhaustedError(4, cause, 'deadline_exceeded');
    expect(exhausted.attempts).toBe(4);
    expect(exhausted.cause).toBe(cause);
    expect(exhausted.reason).toBe('deadline_exceeded');
  });

  it('type guards accept only their own class', () => {
    const all = cases.map((c) => c.err);
    expect(all.filter(isBreakerOpenError)).toHaveLength(2);
    expect(all.filter(isTimeoutError)).toHaveLength(1);
    expect(all.filter(isRetriesExhaustedError)).toHaveLength(1);
    expect(all.filter(isBulkheadFullError)).toHaveLength(1);
    expect(all.filter(isBulkheadTimeoutError)).toHaveLength(1);
    for (const guard of [isResilienceError, isTimeoutError, isBreakerOpenError]) {
      expect(guard(new Error('plain'))).toBe(false);
      expect(guard({ code: 'RES_ERR_TIMEOUT' })).toBe(false);
      expect(guard(undefined)).toBe(false);
    }
  });

  it('isRetryable: everything except values flagged retryable: false', () => {
    expect(isRetryable(new Error('boom'))).toBe(true);
    expect(isRetryable('a string')).toBe(true);
    expect(isRetryable(null)).toBe(true);
    expect(isRetryable(Object.assign(new Error('400'), { retryable: false }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('503'), { retryable: true }))).toBe(true);
  });
});
