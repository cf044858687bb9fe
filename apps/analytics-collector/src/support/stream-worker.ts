import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sleep } from '@mcpgw/resilience';
import { StoreError, type StateStore, type StreamEntry } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';

/** Options of {@link StreamWorker}. */
export interface StreamWorkerOptions {
  store: StateStore;
  stream: string;
  group: string;
  consumer: string;
  logger: Logger;
  /** Most entries per read. */
  count: number;
  /** How long a read waits for new entries. */
  blockMs: number;
  /** Pending entries idle this long (their consumer died) are taken over. */
  claimIdleMs: () => number;
  /**
   * Handles entries; returns the ids to acknowledge now. An id not returned stays pending and
   * comes back through the idle claim. Throwing leaves every entry pending.
   */
  handle: (entries: StreamEntry[], claimed: boolean) => Promise<readonly string[]>;
  /** Entries the handler can take now (back-pressure); default `count`. */
  room?: () => number;
  onAcked?: (count: number) => void;
}

const MAX_ERROR_BACKOFF_MS = 2_000;

/** A consumer name unique to this process: host, pid and a random suffix. */
export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * One consumer of a consumer group: reads new entries (blocking), and every half claim-idle
 * period takes over entries a dead consumer left pending. Errors (store down) back off and
 * retry; nothing is acknowledged before the handler says so, so every entry is handled at
 * least once, across restarts and replicas.
 */
export class StreamWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private nextClaimAt = 0;

  constructor(private readonly options: StreamWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current batch (a pending blocking read ends within `blockMs`). */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** Acknowledges ids handled outside `handle` (asynchronous completions). */
  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { store, stream, group } = this.options;
    const acked = await store.streamAck(stream, group, ids);
    this.options.onAcked?.(acked);
  }

  private async run(): Promise<void> {
    const { store, stream, group, logger } = this.options;
    let failures = 0;
    let groupReady = false;
    while (this.running) {
      try {
        if (!groupReady) {
          await store.streamEnsureGroup(stream, group);
          groupReady = true;
        }
        await this.step();
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        if (err instanceof StoreError && err.reason === 'no_group') groupReady = false;
        failures++;
        const delay = Math.min(MAX_ERROR_BACKOFF_MS, 50 * 2 ** Math.min(failures, 6));
        if (failures === 1 || failures % 20 === 0)
          logger.warn('stream consumer error; retrying', { stream, group, failures, err });
        await sleep(delay, this.abort.signal).catch(() => undefined);
      }
    }
  }

  private async step(): Promise<void> {
    const o = this.options;
    const room = Math.min(o.count, o.room?.() ?? o.count);
    if (room <= 0) {
      await sleep(50, this.abort.signal).catch(() => undefined);
      return;
    }
    const now = Date.now();
    if (now >= this.nextClaimAt) {
      const idle = o.claimIdleMs();
      this.nextClaimAt = now + Math.max(250, Math.floor(idle / 2));
      const claimed = await o.store.streamClaimIdle(o.stream, o.group, o.consumer, {
        minIdleMs: idle,
        count: room,
      });
      if (claimed.length > 0) {
        o.logger.info('took over pending entries', { stream: o.stream, entries: claimed.length });
        await this.ack(await o.handle(claimed, true));
        return;
      }
    }
    const entries = await o.store.streamReadGroup(o.stream, o.group, o.consumer, {
      count: room,
      blockMs: o.blockMs,
    });
    if (entries.length > 0) await this.ack(await o.handle(entries, false));
  }
}
