import { randomUUID } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';

export const AUDIT_OUTBOX = 'audit:outbox';
/**
 * The outbox keeps about this many entries (shipped or not). It bounds memory when the collector
 * is away for long; past it the oldest entries go, which is why every event is also in the JSON log.
 */
export const AUDIT_OUTBOX_MAX_ENTRIES = 100_000;

export type AuditInput = Omit<AuditEvent, 'v' | 'event_id' | 'timestamp'>;

/**
 * Writes audit events to the outbox stream (shipped to the collector by the relay) and to the JSON
 * log. With a durable store a failed write throws, so callers that must not act unrecorded (a
 * tools/call about to be forwarded) can refuse instead.
 */
export class AuditRecorder {
  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {}

  async record(input: AuditInput): Promise<AuditEvent> {
    const event: AuditEvent = { v: 1, event_id: randomUUID(), timestamp: new Date().toISOString(), ...dropUndefined(input) };
    this.logger.info('audit', { audit: event });
    await this.store.streamAppend(AUDIT_OUTBOX, { event: JSON.stringify(event) }, { maxLenApprox: AUDIT_OUTBOX_MAX_ENTRIES });
    return event;
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
