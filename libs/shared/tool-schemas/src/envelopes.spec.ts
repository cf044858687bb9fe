import fc from 'fast-check';
import Joi from 'joi';
import { describe, expect, it } from 'vitest';
import {
  errorEnvelope,
  errorEnvelopeSchema,
  successEnvelope,
  successEnvelopeSchema,
} from './envelopes.js';
import { STRICT_VALIDATION } from './joi-helpers.js';

const now = new Date('2025-06-01T12:00:00.000Z');

describe('successEnvelope', () => {
  it('wraps data with metadata', () => {
    expect(successEnvelope({ n: 1 }, { version: '1.2.3', traceId: 'abc', now })).toEqual({
      success: true,
      data: { n: 1 },
      metadata: { timestamp: '2025-06-01T12:00:00.000Z', version: '1.2.3', trace_id: 'abc' },
    });
  });

  it('always produces a body its schema accepts', () => {
    const schema = successEnvelopeSchema(Joi.any());
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => v !== null),
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }),
        (data, version, traceId, at) => {
          const body = successEnvelope(data, { version, traceId, now: at });
          return schema.validate(body, STRICT_VALIDATION).error === undefined;
        },
      ),
    );
  });

  it('its schema rejects a body whose data does not match', () => {
    const schema = successEnvelopeSchema(Joi.object({ n: Joi.number().required() }));
    expect(
      schema.validate(
        successEnvelope({ n: 'x' }, { version: '1', traceId: 't', now }),
        STRICT_VALIDATION,
      ).error?.details[0]?.path,
    ).toEqual(['data', 'n']);
  });
});

describe('errorEnvelope', () => {
  it('builds the error body and leaves out undefined details', () => {
    expect(errorEnvelope('RATE_LIMITED', 'slow down', { traceId: 't1', now })).toEqual({
      error: 'RATE_LIMITED',
      message: 'slow down',
      timestamp: '2025-06-01T12:00:00.000Z',
      trace_id: 't1',
    });
    expect(
      errorEnvelope('VALIDATION_FAILED', 'bad', {
        traceId: 't1',
        now,
        details: [{ field: 'limit' }],
      }).details,
    ).toEqual([{ field: 'limit' }]);
  });

  it('stamps the current time when now is not given', () => {
    const before = Date.now();
    const stamped = Date.parse(errorEnvelope('INTERNAL', 'x', { traceId: '' }).timestamp);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('is accepted by its schema, which rejects a body without a code', () => {
    expect(
      errorEnvelopeSchema.validate(
        errorEnvelope('NOT_FOUND', 'no', { traceId: 't', now }),
        STRICT_VALIDATION,
      ).error,
    ).toBeUndefined();
    const { error: _code, ...noCode } = errorEnvelope('NOT_FOUND', 'no', { traceId: 't', now });
    expect(errorEnvelopeSchema.validate(noCode, STRICT_VALIDATION).error?.details[0]?.path).toEqual(
      ['error'],
    );
  });
});
