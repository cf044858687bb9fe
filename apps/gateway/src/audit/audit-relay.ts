import { hostname } from 'node:os';
import { Agent, request } from 'undici';
import { sleep } from '@mcpgw/resilience';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { AUDIT_OUTBOX } from './audit-recorder.js';

const GROUP = 'collector-relay';
const BATCH = 200;
const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });

/**
 * Ships the audit outbox to the collector's `POST /v1/events` at least once: entries are read
 * through a consumer group, acknowledged only after the collector accepted the batch (it
 * deduplicates by `event_id`), retried with capped backoff, and entries left pending by a dead
 * replica are claimed after a minute. Survives restarts: the stream and the group live in the store.
 */
export class AuditRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly consumer = `${hostname()}-${process.pid}`;

  constructor(
    private readonly deps: {
      store: StateStore;
      logger: Logger;
      collectorUrl: string;
      token: string | undefined;
      /** Shorter in tests. */
      idleClaimMs?: number;
    },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current batch (shutdown hook: the outbox itself is durable). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const { store, logger } = this.deps;
    let failures = 0;
    let lastClaim = 0;
    while (this.running) {
      try {
        await store.streamEnsureGroup(AUDIT_OUTBOX, GROUP);
        let entries = [] as Awaited<ReturnType<StateStore['streamReadGroup']>>;
        if (Date.now() - lastClaim > 10_000) {
          lastClaim = Date.now();
          entries = await store.streamClaimIdle(AUDIT_OUTBOX, GROUP, this.consumer, { minIdleMs: this.deps.idleClaimMs ?? 60_000, count: BATCH });
        }
        if (entries.length === 0) entries = await store.streamReadGroup(AUDIT_OUTBOX, GROUP, this.consumer, { count: BATCH, blockMs: 500 });
        if (entries.length === 0) continue;
        const events = entries.flatMap((e) => {
          try {
            return [JSON.parse(e.fields['event'] ?? '') as unknown];
          } catch {
            return [];
          }
        });
        if (events.length) await this.ship(events);
        await store.streamAck(AUDIT_OUTBOX, GROUP, entries.map((e) => e.id));
        failures = 0;
      } catch (err) {
        failures += 1;
        logger.warn('audit relay failed; will retry', { err, failures });
        if (this.running) await sleep(Math.min(30_000, 200 * 2 ** Math.min(failures, 8)) * (0.5 + Math.random() / 2));
      }
    }
  }

  private async ship(events: unknown[]): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.deps.token) headers['authorization'] = `Bearer ${this.deps.token}`;
    const response = await request(new URL('/v1/events', this.deps.collectorUrl), {
      method: 'POST',
      headers,
      body: JSON.stringify({ events }),
      dispatcher: agent,
    });
    await response.body.dump();
    // 207/422 would mean some events were refused for shape: those will not improve on retry.
    if (response.statusCode >= 500 || response.statusCode === 429 || response.statusCode === 401) {
      throw new Error(`collector answered HTTP ${response.statusCode}`);
    }
  }
}
