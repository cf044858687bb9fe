import { describe, expect, it } from 'vitest';
import {
  BreakerOpenError,
  BulkheadFullError,
  RetriesExhaustedError,
  TimeoutError,
} from '@mcpgw/resilience';
import { StoreWaitTimeoutError } from '@mcpgw/state';
import { SentraipError, TokenError } from '../errors.js';
import { degradedReason } from './degraded-reason.js';

describe('degradedReason', () => {
  it.each([
    [new TokenError('server_error', 'x'), 'token_unavailable'],
    [new TokenError('not_configured', 'x'), 'not_configured'],
    [new BreakerOpenError('sentraip'), 'breaker_open'],
    [new BulkheadFullError('sentraip'), 'overloaded'],
    [new TimeoutError(100), 'timeout'],
    [new SentraipError('network', 'x'), 'unavailable'],
    [new SentraipError('server_error', 'x'), 'unavailable'],
    [new SentraipError('rate_limited', 'x'), 'rate_limited'],
    [new SentraipError('unauthorized', 'x'), 'unauthorized'],
    [new SentraipError('client_error', 'x'), 'rejected'],
    [new SentraipError('invalid_response', 'x'), 'invalid_response'],
    [new RetriesExhaustedError(3, new SentraipError('server_error', 'x')), 'unavailable'],
    [
      new RetriesExhaustedError(2, new SentraipError('rate_limited', 'x'), 'deadline_exceeded'),
      'timeout',
    ],
    [new StoreWaitTimeoutError('k', 10), 'timeout'],
    [new Error('bug'), 'internal'],
  ])('maps %s to %s', (err, reason) => {
    expect(degradedReason(err)).toBe(reason);
  });
});
