import { randomUUID } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import { logJson, type Logger } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import type { AdmissionAppend } from '../security/rate-limiter.js';

export const AUDIT_OUTBOX = 'audit:outbox';
/**
 * The outbox keeps at most about this many entries. The relay trims what it has shipped, so this
 * bounds memory only while the collector is away: past it the oldest unshipped entries go, which
 * is why every event is also in the JSON log.
 */
export const AUDIT_OUTBOX_MAX_ENTRIES = 100_000;
/**
 * With the in-process store the outbox is not durable anyway and lives on the gateway's heap:
 * it only has to bridge a collector outage of a few seconds, and a large one makes every major
 * garbage collection long (p99 latency).
 */
export const AUDIT_OUTBOX_MAX_ENTRIES_IN_MEMORY = 10_000;
/** Most events written to the outbox in one store round trip. */
const MAX_BATCH = 256;

export type AuditInput = Omit<AuditEvent, 'v' | 'event_id' | 'timestamp'>;

interface Pending {
  fields: Record<string, string>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes audit events to the outbox stream (shipped to the collector by the relay) and to the JSON
 * log. With a shared store, events recorded in the same turn of the event loop share one round
 * trip, so under load the final records of many requests cost one write. With a durable store a failed write
 * rejects, so callers that must not act unrecorded can refuse instead.
 */
export class AuditRecorder {
  private pending: Pending[] = [];
  private scheduled = false;

  private readonly maxEntries: number;

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {
    this.maxEntries = store.kind === 'redis' ? AUDIT_OUTBOX_MAX_ENTRIES : AUDIT_OUTBOX_MAX_ENTRIES_IN_MEMORY;
  }

  /** Logs the event and resolves once it is in the outbox. */
  async record(input: AuditInput): Promise<AuditEvent> {
    const event = this.build(input);
    // Serialised once: the same text goes to the log line and to the outbox.
    const fields = { event: logJson(this.logger, 'info', 'audit', 'audit', event) };
    // In-process there is no round trip to share: waiting a turn of the event loop would only add latency.
    if (this.store.kind === 'memory') {
      await this.store.streamAppend(AUDIT_OUTBOX, fields, { maxLenApprox: this.maxEntries });
      return event;
    }
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ fields, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
    return event;
  }

  /**
   * A write-ahead record (`mcp.forward`) for the caller to append atomically with its admission
   * (see RateLimiter.admit). Logged at debug: the request's own event, logged at info, follows.
   */
  writeAhead(input: AuditInput): AdmissionAppend {
    const event = this.build(input);
    // logJson writes nothing below debug, and returns the event's JSON either way.
    return { stream: AUDIT_OUTBOX, fields: { event: logJson(this.logger, 'debug', 'audit', 'audit', event) }, maxLenApprox: this.maxEntries };
  }

  /** The event: its envelope, then the input's defined fields (undefined ones are left out, as JSON would). */
  private build(input: AuditInput): AuditEvent {
    const event = { v: 1, event_id: randomUUID(), timestamp: new Date().toISOString() } as AuditEvent;
    for (const key in input) {
      const value = input[key as keyof AuditInput];
      if (value !== undefined) (event as unknown as Record<string, unknown>)[key] = value;
    }
    return event;
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length) setImmediate(() => void this.flush());
    else this.scheduled = false;
    try {
      await this.store.streamAppendMany(
        AUDIT_OUTBOX,
        batch.map((p) => p.fields),
        { maxLenApprox: this.maxEntries },
      );
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
