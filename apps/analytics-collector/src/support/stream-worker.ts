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
   * Handles entries; returns the ids to acknowledge now. Throwing leaves every entry pending,
   * and they are handed over again after a backoff (see {@link StreamWorker}). An id not
   * returned stays pending: it is retried the same way with `retryUnacknowledged`, otherwise
   * (the handler still works on it, and acknowledges it with {@link StreamWorker.ack}) it comes
   * back only through the idle claim.
   */
  handle: (entries: StreamEntry[], claimed: boolean) => Promise<readonly string[]>;
  /** The handler returns only the ids it finished; the others failed and are retried. */
  retryUnacknowledged?: boolean;
  /** Entries the handler can take now (back-pressure); default `count`. */
  room?: () => number;
  onAcked?: (count: number) => void;
}

/** Entries of this consumer's pending list that failed, with when they were delivered. */
interface HeldEntries {
  entries: StreamEntry[];
  claimed: boolean;
  deliveredAt: number;
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
 *
 * Entries the handler failed (it threw, or left them unacknowledged with
 * `retryUnacknowledged`) stay in this consumer's pending list and are handed to it again —
 * before any new entry — after a backoff of 100 ms doubling to 2 s, instead of waiting for the
 * idle claim. They are kept in memory (what `XREADGROUP … 0` would re-read; the store has no
 * such call) for at most half the claim-idle time, while no other consumer can claim them;
 * after that the idle claim (this or another replica) takes them over as for a dead consumer.
 * Once the group's pending list is gone (Redis came back empty) they are dropped, as that
 * re-read would find nothing. Ids handled but not acknowledged (XACK failed) are acknowledged
 * first on the next step, without handling them again.
 */
export class StreamWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private nextClaimAt = 0;
  private held: HeldEntries | undefined;
  private unacked: readonly string[] = [];

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
        // A step that leaves failed entries behind backs off like an error: the handler has
        // logged why, and a store that stays down must not be hammered.
        if (await this.step()) {
          failures = 0;
          continue;
        }
      } catch (err) {
        if (!this.running) break;
        if (err instanceof StoreError && err.reason === 'no_group') {
          // The group and its pending list are gone (e.g. Redis came back empty): so are ours.
          groupReady = false;
          this.forgetPending();
        }
        if (failures === 0 || (failures + 1) % 20 === 0)
          logger.warn('stream consumer error; retrying', {
            stream,
            group,
            failures: failures + 1,
            err,
          });
      }
      failures++;
      const delay = Math.min(MAX_ERROR_BACKOFF_MS, 50 * 2 ** Math.min(failures, 6));
      await sleep(delay, this.abort.signal).catch(() => undefined);
    }
  }

  /** One round; false when entries failed and wait for a retry. */
  private async step(): Promise<boolean> {
    const o = this.options;
    if (this.unacked.length > 0) {
      await this.ack(this.unacked);
      this.unacked = [];
    }
    const room = Math.min(o.count, o.room?.() ?? o.count);
    if (room <= 0) {
      await sleep(50, this.abort.signal).catch(() => undefined);
      return true;
    }
    const now = Date.now();
    if (this.held) return this.retryHeld(this.held, now);
    if (now >= this.nextClaimAt) {
      const idle = o.claimIdleMs();
      this.nextClaimAt = now + Math.max(250, Math.floor(idle / 2));
      const claimed = await o.store.streamClaimIdle(o.stream, o.group, o.consumer, {
        minIdleMs: idle,
        count: room,
      });
      if (claimed.length > 0) {
        o.logger.info('took over pending entries', { stream: o.stream, entries: claimed.length });
        return this.deliver(claimed, true, now);
      }
    }
    const entries = await o.store.streamReadGroup(o.stream, o.group, o.consumer, {
      count: room,
      blockMs: o.blockMs,
    });
    if (entries.length === 0) return true;
    return this.deliver(entries, false, Date.now());
  }

  /** Hands failed entries over again while they are still this consumer's to retry. */
  private async retryHeld(held: HeldEntries, now: number): Promise<boolean> {
    const o = this.options;
    if (now - held.deliveredAt >= o.claimIdleMs() / 2) {
      this.held = undefined;
      o.logger.warn('failed entries left to the idle claim', {
        stream: o.stream,
        entries: held.entries.length,
      });
      return true;
    }
    // As XREADGROUP … 0 would, re-read nothing once the pending list is gone (no_group throws).
    if ((await o.store.streamPendingCount(o.stream, o.group)) === 0) {
      this.forgetPending();
      return true;
    }
    this.held = undefined;
    return this.deliver(held.entries, held.claimed, held.deliveredAt);
  }

  private forgetPending(): void {
    if (this.held || this.unacked.length > 0)
      this.options.logger.warn('failed entries no longer pending; dropped', {
        stream: this.options.stream,
      });
    this.held = undefined;
    this.unacked = [];
  }

  /** Hands entries to the handler and acknowledges what it finished; false if some failed. */
  private async deliver(
    entries: StreamEntry[],
    claimed: boolean,
    deliveredAt: number,
  ): Promise<boolean> {
    let ids: readonly string[];
    try {
      ids = await this.options.handle(entries, claimed);
    } catch (err) {
      this.held = { entries, claimed, deliveredAt };
      throw err;
    }
    if (this.options.retryUnacknowledged) {
      const finished = new Set(ids);
      const failed = entries.filter((e) => !finished.has(e.id));
      if (failed.length > 0) this.held = { entries: failed, claimed, deliveredAt };
    }
    try {
      await this.ack(ids);
    } catch (err) {
      this.unacked = ids;
      throw err;
    }
    return this.held === undefined;
  }
}
