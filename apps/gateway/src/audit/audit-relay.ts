import { hostname } from 'node:os';
import { Agent, request } from 'undici';
import { sleep } from '@mcpgw/resilience';
import type { StateStore, StreamEntry } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { AUDIT_RELAY_GROUP as GROUP, type AuditMetrics } from './audit-metrics.js';
import { AUDIT_OUTBOX } from './audit-recorder.js';

const BATCH = 200;
/**
 * How long the relay lets events gather after it drained the outbox: it bounds the shipping delay,
 * and with it how long an event stays in the outbox. With the in-process store that is the heap:
 * at 20 ms an event is shipped and trimmed before two young-generation collections pass over it
 * (one every 35–70 ms at 2,500–5,000 calls/s), so it dies young instead of being promoted; at
 * 100 ms the outbox promoted about 1 KB per call and full collections came every few seconds
 * (ADR 0009). A Redis outbox is off the heap: there the longer linger keeps the POSTs (and the
 * stream commands) per replica down. Either way at most one POST per linger and replica.
 */
const IN_PROCESS_LINGER_MS = 20;
const REDIS_LINGER_MS = 100;
/** Longest a live relay holds a batch (HTTP timeouts below, plus slack); older pending entries are a dead replica's. */
const DEFAULT_IDLE_CLAIM_MS = 15_000;
/** Answers that say "this content will never be accepted": retrying the same bytes cannot help. */
const REFUSED_FOR_CONTENT = new Set([400, 413, 422]);
const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });

/**
 * Ships the audit outbox to the collector's `POST /v1/events` at least once: entries are read
 * through a consumer group and acknowledged only after the collector accepted them (it
 * deduplicates by `event_id`). A batch that fails is kept and retried with capped, jittered
 * backoff until it ships — the relay never moves past an unshipped batch. Entries left pending by
 * a replica that died (kill -9, OOM) are claimed once idle for longer than any live relay holds a
 * batch. A batch refused for its content (400/413/422) is split until the refused event is
 * isolated, and only that one is dropped (logged). Survives restarts: the stream and the group
 * live in the store.
 */
export class AuditRelay {
  private running = false;
  /** Shutting down: ship until the outbox is empty (no waiting for more), then end. */
  private draining = false;
  private loop: Promise<void> | undefined;
  /** Aborted by `stop()`: ends a linger or a backoff at once, so shutdown never waits one out (up to 30 s). */
  private wake = new AbortController();
  private readonly consumer = `${hostname()}-${process.pid}`;

  constructor(
    private readonly deps: {
      store: StateStore;
      logger: Logger;
      collectorUrl: string;
      token: string | undefined;
      /** Pending entries idle this long belong to a dead relay and are claimed; shorter in tests. */
      idleClaimMs?: number;
      /** Pause after a partial batch, to let the next one fill (default: by the store's kind, see above). */
      lingerMs?: number;
      /** `gateway_audit_relay_last_success_timestamp_seconds` is set after each acknowledged batch. */
      metrics?: Pick<AuditMetrics, 'relayLastSuccess'>;
    },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake = new AbortController();
    this.loop = this.run();
  }

  /**
   * Stops after the current batch. With `drainTimeoutMs` it first ships what the outbox still
   * holds, for at most that long: for the in-process store, whose unshipped events would go with
   * the process (a durable outbox is shipped by the next relay instead).
   */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.wake.abort();
    if (options.drainTimeoutMs !== undefined && this.running) {
      this.draining = true;
      const deadline = setTimeout(() => (this.running = false), options.drainTimeoutMs);
      try {
        await this.loop;
      } finally {
        clearTimeout(deadline);
      }
      return;
    }
    this.running = false;
    await this.loop;
  }

  /** Waits `ms`, or less when the relay is stopped meanwhile. */
  private pause(ms: number): Promise<void> {
    return sleep(ms, this.wake.signal).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { store, logger } = this.deps;
    const idleClaimMs = this.deps.idleClaimMs ?? DEFAULT_IDLE_CLAIM_MS;
    const lingerMs = this.deps.lingerMs ?? (store.kind === 'memory' ? IN_PROCESS_LINGER_MS : REDIS_LINGER_MS);
    let failures = 0;
    let lastClaim = 0;
    let inHand: StreamEntry[] = [];
    while (this.running) {
      try {
        if (inHand.length === 0) {
          await store.streamEnsureGroup(AUDIT_OUTBOX, GROUP);
          if (Date.now() - lastClaim > idleClaimMs / 3) {
            lastClaim = Date.now();
            inHand = await store.streamClaimIdle(AUDIT_OUTBOX, GROUP, this.consumer, { minIdleMs: idleClaimMs, count: BATCH });
          }
          if (inHand.length === 0) inHand = await store.streamReadGroup(AUDIT_OUTBOX, GROUP, this.consumer, { count: BATCH, ...(this.draining ? {} : { blockMs: 500 }) });
          if (inHand.length === 0) {
            if (this.draining) break;
            continue;
          }
        }
        // Shipped as written (JSON texts, not parsed and serialised again): an entry that is not
        // JSON makes the collector refuse the batch, and the split below isolates and drops it.
        const events = inHand.flatMap((e) => (e.fields['event'] ? [e.fields['event']] : []));
        if (events.length) await this.ship(events);
        await store.streamAck(AUDIT_OUTBOX, GROUP, inHand.map((e) => e.id));
        await this.trimShipped();
        this.deps.metrics?.relayLastSuccess.set(Date.now() / 1000);
        const full = inHand.length >= BATCH;
        inHand = [];
        failures = 0;
        // A partial batch means the outbox is drained: let the next one fill for a moment instead of
        // posting every event on its own (that doubled the HTTP work per request at low load).
        if (!full && this.running && !this.draining) await this.pause(lingerMs);
      } catch (err) {
        failures += 1;
        if (this.draining) {
          // Shutting down: no backoff to wait out; what is left stays in the outbox.
          logger.warn('audit relay failed while draining at shutdown; unshipped events stay in the outbox', { err, pending: inHand.length });
          break;
        }
        logger.warn('audit relay failed; will retry', { err, failures, pending: inHand.length });
        if (this.running) await this.pause(Math.min(30_000, 200 * 2 ** Math.min(failures, 8)) * (0.5 + Math.random() / 2));
      }
    }
  }

  /**
   * Shipped entries serve no one: dropping them keeps the outbox (Redis memory, or the gateway's
   * heap with the in-process store) down to what is still unshipped. Entries another replica's
   * relay holds stay pending and are never trimmed. A failed trim is retried after the next batch.
   */
  private async trimShipped(): Promise<void> {
    try {
      await this.deps.store.streamTrimAcked(AUDIT_OUTBOX);
    } catch (err) {
      this.deps.logger.debug('audit outbox trim failed; the next batch trims again', { err });
    }
  }

  /** Ships `events` (each one event's JSON text); throws when the collector should be asked again later. */
  private async ship(events: string[]): Promise<void> {
    const status = await this.post(events);
    if (status >= 200 && status < 300) return;
    if (!REFUSED_FOR_CONTENT.has(status)) throw new Error(`collector answered HTTP ${status}`);
    // Only now, on a refusal, is each entry checked: one that is not a single JSON object is
    // dropped at once (it would spoil any batch), and the rest is sent again.
    const objects = events.filter((text) => parsedOrUndefined(text) !== undefined);
    if (objects.length < events.length) {
      this.deps.logger.error('audit outbox entries that are not JSON objects dropped', { count: events.length - objects.length });
      if (objects.length) await this.ship(objects);
      return;
    }
    if (events.length > 1) {
      const half = Math.ceil(events.length / 2);
      await this.ship(events.slice(0, half));
      await this.ship(events.slice(half));
      return;
    }
    const event = parsedOrUndefined(events[0]);
    this.deps.logger.error('audit event refused by the collector; dropped', { status, event_id: event?.event_id, event_type: event?.type });
  }

  private async post(events: string[]): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.deps.token) headers['authorization'] = `Bearer ${this.deps.token}`;
    const response = await request(new URL('/v1/events', this.deps.collectorUrl), {
      method: 'POST',
      headers,
      body: `{"events":[${events.join(',')}]}`,
      dispatcher: agent,
    });
    await response.body.dump();
    return response.statusCode;
  }
}

/** The entry as a JSON object, or undefined when it is anything else (not JSON, an array, a scalar). */
function parsedOrUndefined(text: string | undefined): { event_id?: unknown; type?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { event_id?: unknown; type?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
