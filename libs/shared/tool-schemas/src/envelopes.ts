import Joi from 'joi';
import type { ErrorCode } from './error-codes.js';
import { patternString } from './joi-helpers.js';
import { ISO_TIMESTAMP_PATTERN } from './patterns.js';

/** `metadata` of a success envelope. */
export interface EnvelopeMetadata {
  timestamp: string;
  /** Version of the service that answered. */
  version: string;
  trace_id: string;
}

/** Success body of the REST facade and the internal APIs. */
export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  metadata: EnvelopeMetadata;
}

/** Error body of the REST facade and the internal APIs. */
export interface ErrorEnvelope {
  /** A code from the catalogue (`ErrorCode`), e.g. `RATE_LIMITED`. */
  error: string;
  /** Human-readable, safe to show; never a stack trace or a secret. */
  message: string;
  timestamp: string;
  trace_id: string;
  details?: unknown;
}

/** Builds a {@link SuccessEnvelope}; `now` makes it deterministic in tests. */
export function successEnvelope<T>(
  data: T,
  options: { version: string; traceId: string; now?: Date },
): SuccessEnvelope<T> {
  return {
    success: true,
    data,
    metadata: {
      timestamp: (options.now ?? new Date()).toISOString(),
      version: options.version,
      trace_id: options.traceId,
    },
  };
}

/** Builds an {@link ErrorEnvelope}; `details` is left out when undefined. */
export function errorEnvelope(
  code: ErrorCode | (string & {}),
  message: string,
  options: { traceId: string; details?: unknown; now?: Date },
): ErrorEnvelope {
  return {
    error: code,
    message,
    timestamp: (options.now ?? new Date()).toISOString(),
    trace_id: options.traceId,
    ...(options.details === undefined ? {} : { details: options.details }),
  };
}

const timestamp = () =>
  patternString(ISO_TIMESTAMP_PATTERN, 'an ISO 8601 timestamp with offset').required();

/** joi schema of an {@link ErrorEnvelope}, for a client reading another service's error. */
export const errorEnvelopeSchema: Joi.ObjectSchema<ErrorEnvelope> = Joi.object<ErrorEnvelope>({
  error: Joi.string().required(),
  message: Joi.string().allow('').required(),
  timestamp: timestamp(),
  trace_id: Joi.string().allow('').required(),
  details: Joi.any(),
});

/** joi schema of a {@link SuccessEnvelope} whose `data` matches `data`. */
export function successEnvelopeSchema<T>(
  data: Joi.Schema<T>,
): Joi.ObjectSchema<SuccessEnvelope<T>> {
  return Joi.object<SuccessEnvelope<T>>({
    success: Joi.boolean().valid(true).required(),
    data: data.required(),
    metadata: Joi.object({
      timestamp: timestamp(),
      version: Joi.string().required(),
      trace_id: Joi.string().allow('').required(),
    }).required(),
  });
}
