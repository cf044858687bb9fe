import Joi from 'joi';
import { codePointString, patternString } from '../joi-helpers.js';
import { MAX_SAFE, objectSchema } from '../json-schema.js';
import {
  API_ID_PATTERN,
  ISO_TIMESTAMP_PATTERN,
  STATUS_CODE_KEY_PATTERN,
  unicodeRegExp,
} from '../patterns.js';
import type { BuiltInToolDefinition } from './tool-definition.js';

/** Analytics windows. */
export const TIME_RANGES = ['24h', '7d', '30d'] as const;
/** `24h`, `7d` or `30d`. */
export type TimeRange = (typeof TIME_RANGES)[number];

/** Arguments of `tyk_api_analytics` (after defaults: `time_range` is always set). */
export interface ApiAnalyticsInput {
  api_id: string;
  time_range: TimeRange;
}

/** Traffic analytics of one API over one window (the collector's `GET /v1/analytics`). */
export interface ApiAnalytics {
  api_id: string;
  time_range: TimeRange;
  total_requests: number;
  /** Requests answered with a 2xx status (1xx/3xx count as neither success nor error). */
  successful_requests: number;
  /** Requests answered with a status of 400 or above. */
  error_requests: number;
  /** error_requests / total_requests, 0–1 (0 without traffic). */
  error_rate: number;
  /** Milliseconds. */
  avg_response_time: number;
  /** Milliseconds. */
  latency: { p50: number; p95: number; p99: number };
  top_endpoints: Array<{ path: string; requests: number }>;
  /** Request count per HTTP status code, keyed `"200"`, `"404"`, … */
  status_codes: Record<string, number>;
  traffic: Array<{ t: string; requests: number; errors: number }>;
  timestamp: string;
}

const API_ID_MAX = 128;
const PATH_MAX = 2048;
const TOP_ENDPOINTS_MAX = 50;
const TRAFFIC_POINTS_MAX = 1000;

const count = (description: string) =>
  ({ type: 'integer', minimum: 0, maximum: MAX_SAFE, description }) as const;
const millis = (description: string) =>
  ({ type: 'number', minimum: 0, maximum: MAX_SAFE, description }) as const;
const apiIdJson = (description: string) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: API_ID_MAX,
    pattern: API_ID_PATTERN,
    description,
  }) as const;

const outputSchema = objectSchema({
  type: 'object',
  description: 'Traffic analytics of one API over one time window.',
  properties: {
    api_id: apiIdJson('The API these analytics describe.'),
    time_range: {
      type: 'string',
      enum: TIME_RANGES,
      description: 'The window the analytics cover, ending now.',
    },
    total_requests: count('Requests received in the window.'),
    successful_requests: count(
      'Requests answered with a 2xx status. 1xx and 3xx answers count as neither successful nor errors, so ' +
        'successful_requests + error_requests may be less than total_requests.',
    ),
    error_requests: count('Requests answered with a status of 400 or above.'),
    error_rate: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: 'error_requests / total_requests, from 0 to 1.',
    },
    avg_response_time: millis('Mean response time in milliseconds.'),
    latency: {
      type: 'object',
      description: 'Response-time percentiles in milliseconds.',
      properties: {
        p50: millis('Median.'),
        p95: millis('95th percentile.'),
        p99: millis('99th percentile.'),
      },
      required: ['p50', 'p95', 'p99'],
      additionalProperties: false,
    },
    top_endpoints: {
      type: 'array',
      maxItems: TOP_ENDPOINTS_MAX,
      description: 'The busiest endpoints, most requests first.',
      items: {
        type: 'object',
        properties: {
          path: {
            type: 'string',
            minLength: 1,
            maxLength: PATH_MAX,
            description: 'Endpoint path.',
          },
          requests: count('Requests to this endpoint.'),
        },
        required: ['path', 'requests'],
        additionalProperties: false,
      },
    },
    status_codes: {
      type: 'object',
      description: 'Request count per HTTP status code, keyed by the code ("200", "404", …).',
      properties: {},
      propertyNames: { type: 'string', pattern: STATUS_CODE_KEY_PATTERN },
      additionalProperties: { type: 'integer', minimum: 0, maximum: MAX_SAFE },
    },
    traffic: {
      type: 'array',
      maxItems: TRAFFIC_POINTS_MAX,
      description: 'Traffic time series, oldest bucket first.',
      items: {
        type: 'object',
        properties: {
          t: {
            type: 'string',
            pattern: ISO_TIMESTAMP_PATTERN,
            description: 'Start of the bucket (ISO 8601).',
          },
          requests: count('Requests in the bucket.'),
          errors: count('Error responses in the bucket.'),
        },
        required: ['t', 'requests', 'errors'],
        additionalProperties: false,
      },
    },
    timestamp: {
      type: 'string',
      pattern: ISO_TIMESTAMP_PATTERN,
      description: 'When the analytics were computed (ISO 8601).',
    },
  },
  required: [
    'api_id',
    'time_range',
    'total_requests',
    'successful_requests',
    'error_requests',
    'error_rate',
    'avg_response_time',
    'latency',
    'top_endpoints',
    'status_codes',
    'traffic',
    'timestamp',
  ],
  additionalProperties: false,
});

const apiId = () =>
  codePointString(1, API_ID_MAX).concat(
    patternString(API_ID_PATTERN, 'letters, digits, ".", "_", ":" or "-"'),
  );
const countJoi = () => Joi.number().integer().min(0);
const millisJoi = () => Joi.number().min(0);
const iso = () => patternString(ISO_TIMESTAMP_PATTERN, 'an ISO 8601 timestamp with offset');

/** `tyk_api_analytics`: traffic analytics of one API behind the gateway. */
export const tykApiAnalyticsTool: BuiltInToolDefinition<
  'tyk_api_analytics',
  ApiAnalyticsInput,
  ApiAnalytics
> = Object.freeze({
  name: 'tyk_api_analytics',
  title: 'API traffic analytics',
  description:
    'Get traffic analytics for one API behind the gateway over the last 24 hours, 7 days or 30 days: request ' +
    'counts, error rate, mean and percentile latency (p50/p95/p99, in milliseconds), the busiest endpoints, a ' +
    'breakdown by HTTP status code and a traffic time series. Use it to answer questions about an API’s load, ' +
    'health, errors or slowness.',
  inputSchema: objectSchema({
    type: 'object',
    properties: {
      api_id: apiIdJson(
        'Identifier of the API, e.g. "payments-v2" (letters, digits, ".", "_", ":", "-"; up to 128 characters).',
      ),
      time_range: {
        type: 'string',
        enum: TIME_RANGES,
        default: '24h',
        description: 'Window ending now: "24h" (default), "7d" or "30d".',
      },
    },
    required: ['api_id'],
    additionalProperties: false,
  }),
  outputSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: Joi.object<ApiAnalyticsInput>({
    api_id: apiId().required(),
    time_range: Joi.string()
      .valid(...TIME_RANGES)
      .default('24h'),
  }),
  output: Joi.object<ApiAnalytics>({
    api_id: apiId().required(),
    time_range: Joi.string()
      .valid(...TIME_RANGES)
      .required(),
    total_requests: countJoi().required(),
    successful_requests: countJoi().required(),
    error_requests: countJoi().required(),
    error_rate: Joi.number().min(0).max(1).required(),
    avg_response_time: millisJoi().required(),
    latency: Joi.object({
      p50: millisJoi().required(),
      p95: millisJoi().required(),
      p99: millisJoi().required(),
    }).required(),
    top_endpoints: Joi.array()
      .items(
        Joi.object({
          path: codePointString(1, PATH_MAX).required(),
          requests: countJoi().required(),
        }),
      )
      .max(TOP_ENDPOINTS_MAX)
      .required(),
    // keys outside the pattern are unknown keys, rejected like any other
    status_codes: Joi.object()
      .pattern(unicodeRegExp(STATUS_CODE_KEY_PATTERN), countJoi())
      .required(),
    traffic: Joi.array()
      .items(
        Joi.object({
          t: iso().required(),
          requests: countJoi().required(),
          errors: countJoi().required(),
        }),
      )
      .max(TRAFFIC_POINTS_MAX)
      .required(),
    timestamp: iso().required(),
  }),
});
