import Joi from 'joi';
import {
  codePointString,
  isoTimestamp,
  patternString,
  validateWith,
  type ValidationResult,
} from './joi-helpers.js';
import {
  API_ID_PATTERN,
  IP_PATTERN,
  REASON_CODE_PATTERN,
  TRACE_ID_PATTERN,
  UUID_PATTERN,
} from './patterns.js';

/** Current audit event schema version. */
export const AUDIT_EVENT_VERSION = 1;

/** What an audit event records. */
export const AUDIT_EVENT_TYPES = [
  'mcp.request',
  /**
   * Write-ahead record of a tools/call admitted for forwarding (status 102), written with its
   * rate-limit admission; not a request of its own (argument validation may still refuse it).
   */
  'mcp.forward',
  'rest.request',
  'admin.action',
  'security.incident',
] as const;
/** An audit event type. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Outcome of the gateway's decision on a request. */
export const AUDIT_DECISIONS = ['allow', 'deny', 'error'] as const;
/** `allow`, `deny` or `error`. */
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** Largest batch the collector ingests in one request. */
export const AUDIT_BATCH_MAX = 500;

/** Largest serialised `arguments` an audit event carries; larger ones are replaced by a marker. */
export const AUDIT_ARGUMENTS_MAX_BYTES = 8192;

/**
 * One audit record, shipped from the gateway outbox to the collector at least once and
 * deduplicated there by `event_id`. Never carries tokens or secrets, and carries tool arguments
 * only where the gateway's audit policy says so (`arguments`, with secrets masked).
 */
export interface AuditEvent {
  v: typeof AUDIT_EVENT_VERSION;
  event_id: string;
  type: AuditEventType;
  timestamp: string;
  request_id: string;
  trace_id?: string;
  user?: string;
  client_id?: string;
  /** JSON-RPC method or HTTP method + route, e.g. `tools/call`. */
  method?: string;
  tool?: string;
  upstream?: string;
  client_ip?: string;
  decision: AuditDecision;
  /** Low-cardinality code (`ip_blocked`, `rate_limited`, …); required for `deny` and `error`. */
  reason?: string;
  /** HTTP-like status of the outcome. */
  status: number;
  duration_ms: number;
  degraded: boolean;
  api_id?: string;
  endpoint?: string;
  threat_score?: number;
  /**
   * The call's arguments, only under an audit policy that includes them: secrets masked, at most
   * {@link AUDIT_ARGUMENTS_MAX_BYTES} serialised, else `{ "_truncated": true, "bytes": n }`.
   */
  arguments?: Record<string, unknown>;
}

/** A batch as `POST`ed to the collector. */
export interface AuditEventBatch {
  events: AuditEvent[];
}

const name = () => codePointString(1, 128);

/** joi schema of one {@link AuditEvent} (unknown fields rejected by the strict options). */
export const auditEventSchema: Joi.ObjectSchema<AuditEvent> = Joi.object<AuditEvent>({
  v: Joi.number().valid(AUDIT_EVENT_VERSION).required(),
  event_id: patternString(UUID_PATTERN, 'a UUID').required(),
  type: Joi.string()
    .valid(...AUDIT_EVENT_TYPES)
    .required(),
  timestamp: isoTimestamp().required(),
  request_id: name().required(),
  trace_id: patternString(TRACE_ID_PATTERN, '32 lower-case hex digits'),
  user: codePointString(1, 256),
  client_id: name(),
  method: name(),
  tool: name(),
  upstream: name(),
  client_ip: patternString(IP_PATTERN, 'an IPv4 or IPv6 address'),
  decision: Joi.string()
    .valid(...AUDIT_DECISIONS)
    .required(),
  reason: patternString(REASON_CODE_PATTERN, 'a snake_case reason code').when('decision', {
    is: Joi.valid('deny', 'error'),
    then: Joi.required(),
  }),
  status: Joi.number().integer().min(100).max(599).required(),
  duration_ms: Joi.number().min(0).required(),
  degraded: Joi.boolean().required(),
  api_id: codePointString(1, 128).concat(patternString(API_ID_PATTERN, 'an API identifier')),
  endpoint: codePointString(1, 2048),
  threat_score: Joi.number().min(0).max(10),
  arguments: Joi.object()
    .unknown(true)
    .custom((value: unknown, helpers) =>
      Buffer.byteLength(JSON.stringify(value)) > AUDIT_ARGUMENTS_MAX_BYTES
        ? helpers.error('any.invalid')
        : value,
    ),
});

/** joi schema of an {@link AuditEventBatch}: 1 to {@link AUDIT_BATCH_MAX} events. */
export const auditEventBatchSchema: Joi.ObjectSchema<AuditEventBatch> = Joi.object<AuditEventBatch>(
  {
    events: Joi.array().items(auditEventSchema).min(1).max(AUDIT_BATCH_MAX).required(),
  },
);

/** Validates one event; errors are named by field. */
export function validateAuditEvent(input: unknown): ValidationResult<AuditEvent> {
  return validateWith(auditEventSchema, input);
}

/** Validates a batch; errors are named by index and field (`events[3].event_id`). */
export function validateAuditEventBatch(input: unknown): ValidationResult<AuditEventBatch> {
  return validateWith(auditEventBatchSchema, input);
}
