import Joi from 'joi';
import {
  STRICT_VALIDATION,
  formatPath,
  validateAuditEvent,
  type AuditEvent,
  type FieldError,
} from '@mcpgw/tool-schemas';
import { canonicalIp } from '../support/canonical-ip.js';

/** An event of the batch that was refused, named by its index and fields. */
export interface RejectedEvent {
  index: number;
  event_id?: string;
  errors: FieldError[];
}

/** A well-formed batch split into new events, refused ones and in-batch repeats. */
export interface CheckedBatch {
  /** Valid events as they are stored: `client_ip` in its canonical form ({@link canonicalIp}). */
  valid: AuditEvent[];
  rejected: RejectedEvent[];
  /** Events whose `event_id` already appeared earlier in the same batch. */
  repeated: number;
}

export type BatchCheck = { ok: true; batch: CheckedBatch } | { ok: false; errors: FieldError[] };

// Required: a body the JSON parser did not read (another content type) is undefined.
const envelope = (maxEvents: number) =>
  Joi.object({ events: Joi.array().items(Joi.any()).min(1).max(maxEvents).required() }).required();

/**
 * Validates `POST /v1/events`: the envelope as a whole (an object with 1–`maxEvents` events),
 * then each event on its own with the shared `auditEventSchema`, so one bad event is reported
 * (`events[3].status`) while the others are kept. A valid event's `client_ip` is rewritten to
 * its canonical form, so one address written two ways is one address in every later step.
 */
export function checkBatch(body: unknown, maxEvents: number): BatchCheck {
  // joi drops a `__proto__` key without a word; any other unknown key is refused.
  if (body !== null && typeof body === 'object' && Object.hasOwn(body, '__proto__')) {
    return { ok: false, errors: [{ field: '__proto__', message: '__proto__ is not allowed' }] };
  }
  const { error } = envelope(maxEvents).validate(body, STRICT_VALIDATION);
  if (error) {
    return {
      ok: false,
      errors: error.details.map((d) => ({ field: formatPath(d.path), message: d.message })),
    };
  }
  const items = (body as { events: unknown[] }).events;
  const batch: CheckedBatch = { valid: [], rejected: [], repeated: 0 };
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const result = validateAuditEvent(item);
    if (!result.ok) {
      const id = (item as { event_id?: unknown } | null)?.event_id;
      batch.rejected.push({
        index,
        ...(typeof id === 'string' && { event_id: id.slice(0, 128) }),
        errors: result.errors.map((e) => ({
          field: e.field === '(root)' ? `events[${index}]` : `events[${index}].${e.field}`,
          message: e.message,
        })),
      });
      return;
    }
    const id = result.value.event_id.toLowerCase();
    if (seen.has(id)) {
      batch.repeated++;
      return;
    }
    seen.add(id);
    const event = result.value;
    batch.valid.push(
      event.client_ip === undefined ? event : { ...event, client_ip: canonicalIp(event.client_ip) },
    );
  });
  return { ok: true, batch };
}
