import type { AuditEvent } from '@mcpgw/tool-schemas';
import { API_ID_PATTERN } from '@mcpgw/tool-schemas';

/** What the aggregates need of one event. */
export interface AggregateRecord {
  id: string;
  /** The API the event counts for: `api_id`, else the upstream name when it is a valid API id. */
  api?: string;
  status: number;
  durationMs: number;
  endpoint?: string;
  tool?: string;
  client?: string;
  upstream?: string;
}

const API_ID = new RegExp(API_ID_PATTERN, 'u');

/** Maps an event to its aggregate record. */
export function toAggregateRecord(event: AuditEvent): AggregateRecord {
  const api =
    event.api_id ?? (event.upstream && API_ID.test(event.upstream) ? event.upstream : undefined);
  return {
    id: event.event_id,
    ...(api !== undefined && { api }),
    status: event.status,
    durationMs: event.duration_ms,
    ...((event.endpoint ?? event.method) !== undefined && {
      endpoint: event.endpoint ?? event.method,
    }),
    ...(event.tool !== undefined && { tool: event.tool }),
    ...(event.client_id !== undefined && { client: event.client_id }),
    ...(event.upstream !== undefined && { upstream: event.upstream }),
  };
}

/**
 * Encodes a record as a hash field name. The event id is part of the name, so writing the same
 * event twice touches the same field: the set of fields is the set of distinct events, which is
 * what makes the raw minute hashes idempotent under redelivery.
 */
export function encodeRecord(r: AggregateRecord): string {
  return JSON.stringify([
    r.id,
    r.api ?? null,
    r.status,
    r.durationMs,
    r.endpoint ?? null,
    r.tool ?? null,
    r.client ?? null,
    r.upstream ?? null,
  ]);
}

const optional = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Decodes a field written by {@link encodeRecord}; undefined for anything else. */
export function decodeRecord(field: string): AggregateRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(field);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 8) return undefined;
  const [id, api, status, durationMs, endpoint, tool, client, upstream] = parsed as unknown[];
  if (typeof id !== 'string' || typeof status !== 'number' || typeof durationMs !== 'number')
    return undefined;
  const record: AggregateRecord = { id, status, durationMs };
  const extras = { api, endpoint, tool, client, upstream };
  for (const [key, value] of Object.entries(extras)) {
    const text = optional(value);
    if (text !== undefined) Object.assign(record, { [key]: text });
  }
  return record;
}
