import { describe, expect, it } from 'vitest';
import { BreakerOpenError, BulkheadFullError, BulkheadTimeoutError, RetriesExhaustedError, TimeoutError } from '@mcpgw/resilience';
import { toHttpError } from './error-mapping.js';
import { HttpError } from './errors.js';

describe('toHttpError', () => {
  it('passes our own HTTP errors through unchanged', () => {
    const own = new HttpError(418, 'TEAPOT', 'short and stout');
    expect(toHttpError(own)).toBe(own);
  });

  it.each([
    ['body too large', Object.assign(new Error('x'), { type: 'entity.too.large' }), 413, 'PAYLOAD_TOO_LARGE'],
    ['invalid JSON', Object.assign(new Error('x'), { type: 'entity.parse.failed' }), 400, 'INVALID_JSON'],
    ['unsupported charset', Object.assign(new Error('x'), { type: 'charset.unsupported' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a client error a parser exposes (a gzip body that is not gzip)', Object.assign(new Error('boom'), { status: 400, expose: true }), 400, 'BAD_REQUEST'],
    ["Express's undecodable path parameter", Object.assign(new URIError("Failed to decode param '%ZZboom'"), { status: 400 }), 400, 'BAD_REQUEST'],
    ['a 4xx that is not exposed', Object.assign(new Error('boom'), { status: 400, expose: false }), 500, 'INTERNAL'],
    ['an unknown error', new Error('boom'), 500, 'INTERNAL'],
    ['a thrown string', 'boom', 500, 'INTERNAL'],
  ])('maps %s', (_name, err, status, code) => {
    const mapped = toHttpError(err);
    expect([mapped.status, mapped.code]).toEqual([status, code]);
    expect(mapped.message).not.toContain('boom');
  });

  it('maps real library errors by their codes', () => {
    const cases: Array<[unknown, number, string]> = [
      // Store errors by code: a util lib may not import the data-access state lib.
      [Object.assign(new Error('redis down'), { code: 'STORE_UNAVAILABLE' }), 503, 'STORE_UNAVAILABLE'],
      [Object.assign(new Error('waited'), { code: 'STORE_WAIT_TIMEOUT' }), 503, 'STORE_UNAVAILABLE'],
      [new BreakerOpenError('sentraip'), 503, 'UPSTREAM_UNAVAILABLE'],
      [new BulkheadFullError('upstream'), 503, 'OVERLOADED'],
      [new BulkheadTimeoutError('upstream', 100), 503, 'OVERLOADED'],
      [new TimeoutError(100), 504, 'UPSTREAM_TIMEOUT'],
    ];
    for (const [err, status, code] of cases) {
      const mapped = toHttpError(err);
      expect([mapped.status, mapped.code], String(err)).toEqual([status, code]);
    }
  });

  it('maps spent retries by their last error, or by the spent deadline', () => {
    const afterTimeouts = new RetriesExhaustedError(3, new TimeoutError(100));
    expect(toHttpError(afterTimeouts).status).toBe(504);
    const afterOutage = new RetriesExhaustedError(3, new BreakerOpenError('x'));
    expect(toHttpError(afterOutage).status).toBe(503);
    const deadline = new RetriesExhaustedError(2, new Error('flaky'), 'deadline_exceeded');
    expect(toHttpError(deadline)).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
    const plain = new RetriesExhaustedError(2, new Error('flaky'));
    expect(toHttpError(plain)).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
  });
});
