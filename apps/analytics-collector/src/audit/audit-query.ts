import Joi from 'joi';
import {
  AUDIT_DECISIONS,
  AUDIT_EVENT_TYPES,
  isoTimestamp,
  type AuditEvent,
} from '@mcpgw/tool-schemas';
import { canonicalIp } from '../support/canonical-ip.js';
import type { CappedLog } from '../support/capped-log.js';

/** Filters of `GET /v1/audit`; every given filter must match (AND). */
export interface AuditQuery {
  user?: string;
  client_id?: string;
  tool?: string;
  /** Any text form of the address: compared in canonical form ({@link canonicalIp}). */
  ip?: string;
  decision?: AuditEvent['decision'];
  type?: AuditEvent['type'];
  api_id?: string;
  /** ISO timestamps, inclusive, compared with the event's own timestamp. */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Most entries one request examines, so a narrow filter cannot scan the whole log. */
export const AUDIT_MAX_SCAN = 5_000;

const text = () => Joi.string().min(1).max(256);

/** joi schema of the query string. */
export const auditQuerySchema: Joi.ObjectSchema<AuditQuery> = Joi.object<AuditQuery>({
  user: text(),
  client_id: text(),
  tool: text(),
  ip: text(),
  decision: Joi.string().valid(...AUDIT_DECISIONS),
  type: Joi.string().valid(...AUDIT_EVENT_TYPES),
  api_id: text(),
  from: isoTimestamp(),
  to: isoTimestamp(),
  limit: Joi.number().integer().min(1).max(500).default(50),
  cursor: Joi.string()
    .pattern(/^[1-9][0-9]{0,15}$/)
    .messages({ 'string.pattern.base': '{{#label}} must be a cursor returned by a previous page' }),
});

/** The predicate of a query. */
export function auditMatcher(q: AuditQuery): (e: AuditEvent) => boolean {
  const from = q.from === undefined ? -Infinity : Date.parse(q.from);
  const to = q.to === undefined ? Infinity : Date.parse(q.to);
  const ip = q.ip === undefined ? undefined : canonicalIp(q.ip);
  const equal: Array<[keyof AuditEvent, string | undefined]> = [
    ['user', q.user],
    ['client_id', q.client_id],
    ['tool', q.tool],
    ['decision', q.decision],
    ['type', q.type],
    ['api_id', q.api_id],
  ];
  const active = equal.filter(([, want]) => want !== undefined);
  return (e) => {
    for (const [field, want] of active) if (e[field] !== want) return false;
    // Events are stored canonical since ingestion canonicalises; events stored before that
    // still match because their address is canonicalised here too.
    if (ip !== undefined && (e.client_ip === undefined || canonicalIp(e.client_ip) !== ip))
      return false;
    const at = Date.parse(e.timestamp);
    return at >= from && at <= to;
  };
}

/** One page of audit events, newest processed first. */
export async function queryAudit(
  log: CappedLog<AuditEvent>,
  q: AuditQuery,
): Promise<{ events: AuditEvent[]; next_cursor: string | null; scanned: number }> {
  const page = await log.scan({
    before: q.cursor === undefined ? undefined : Number(q.cursor),
    limit: q.limit,
    maxScan: AUDIT_MAX_SCAN,
    match: auditMatcher(q),
  });
  return {
    events: page.items.map((i) => i.item),
    next_cursor: page.nextCursor === null ? null : String(page.nextCursor),
    scanned: page.scanned,
  };
}
