import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { BreakerOpenError } from '@mcpgw/resilience';
import { noRetryOnSpendLimit } from './anthropic-client.js';
import { countsAgainstBreaker, degradedReasonOf, isAbort, isSpendLimitError } from './model-failure.js';

const apiError = (status: number, type: string, errorCode?: string) =>
  APIError.generate(status, { type: 'error', error: { type, message: type, ...(errorCode ? { details: { error_code: errorCode } } : {}) } }, undefined, new Headers());

describe('degradedReasonOf', () => {
  it.each([
    [apiError(529, 'overloaded_error'), 'overloaded'],
    [apiError(429, 'rate_limit_error'), 'rate_limited'],
    [apiError(429, 'rate_limit_error', 'enforced_spend_limit_reached'), 'spend_limit'],
    [apiError(429, 'rate_limit_error', 'contract_spend_limit_reached'), 'spend_limit'],
    [apiError(402, 'billing_error', 'linked_organization_spend_limit_reached'), 'spend_limit'],
    [apiError(400, 'billing_error'), 'spend_limit'],
    [apiError(401, 'authentication_error'), 'auth'],
    [apiError(503, 'api_error'), 'unavailable'],
    [new APIConnectionError({ message: 'refused' }), 'unavailable'],
    [apiError(400, 'invalid_request_error'), 'model_error'],
    [new Error('bug'), 'model_error'],
  ])('%s → %s', (err, reason) => {
    expect(degradedReasonOf(err)).toBe(reason);
  });

  it('knows an open breaker', () => {
    const open = new BreakerOpenError('anthropic');
    expect(degradedReasonOf(open)).toBe('breaker_open');
  });

  it('counts availability failures against the breaker, not our own bad requests', () => {
    expect(countsAgainstBreaker(apiError(529, 'overloaded_error'))).toBe(true);
    expect(countsAgainstBreaker(apiError(429, 'rate_limit_error', 'enforced_spend_limit_reached'))).toBe(true);
    expect(countsAgainstBreaker(apiError(400, 'invalid_request_error'))).toBe(false);
  });

  it('recognises spend limits and aborts', () => {
    expect(isSpendLimitError(apiError(429, 'rate_limit_error'))).toBe(false);
    expect(isAbort(new APIUserAbortError())).toBe(true);
    expect(isAbort(new Error('x'), AbortSignal.abort())).toBe(true);
    expect(isAbort(new Error('x'))).toBe(false);
  });
});

describe('noRetryOnSpendLimit', () => {
  const run = (response: Response) =>
    noRetryOnSpendLimit(new Request('http://api/v1/messages'), () => Promise.resolve(response), {} as Parameters<typeof noRetryOnSpendLimit>[2]);

  it('marks a spend-limit 429 as not retryable, body intact', async () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'limit', details: { error_code: 'enforced_spend_limit_reached' } } });
    const out = await run(new Response(body, { status: 429, headers: { 'retry-after': '1' } }));
    expect(out.status).toBe(429);
    expect(out.headers.get('x-should-retry')).toBe('false');
    expect(out.headers.get('retry-after')).toBe('1');
    expect(await out.text()).toBe(body);
  });

  it('leaves an ordinary 429, a 529 and a success alone', async () => {
    const limited = await run(new Response(JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }), { status: 429 }));
    expect(limited.headers.get('x-should-retry')).toBeNull();
    const overloaded = await run(new Response('{}', { status: 529 }));
    expect(overloaded.headers.get('x-should-retry')).toBeNull();
    const garbage = await run(new Response('not json', { status: 429 }));
    expect(await garbage.text()).toBe('not json');
  });
});
