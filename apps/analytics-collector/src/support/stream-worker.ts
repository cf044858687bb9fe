import { sleep } from '@mcpgw/resilience';
import { StoreError, type StreamEntry } from '@mcpgw/state';
import { PendingRetry } from './pending-retry.js';
import type { StreamWorkerOptions } from './stream-worker-options.js';

const MAX_ERROR_BACKOFF_MS = 2_000;

/**
 * One consumer of a consumer group: reads new entries (blocking), and every half claim-idle
 * period takes over entries a dead consumer left pending. Errors (store down) back off and
 * retry; nothing is acknowledged before the handler says so, so every entry is handled at
 * least once, across restarts and replicas.
 *
 * Entries the handler failed (it threw, or left them unacknowledged with
 * `retryUnacknowledged`) stay in this consumer's pending list. After a backoff of 100 ms
 * doubling to 2 s, and before any new entry, the worker re-reads those entries from that list
 * and hands them over again ({@link PendingRetry}): only their ids are kept in memory, so what
 * is retried is exactly what is still pending — nothing once the group's pending list is gone
 * (Redis came back empty). Each failed entry is retried for at most half the claim-idle time
 * from its first failed delivery; after that the idle claim (this or another replica) takes it
 * over as for a dead consumer, and an entry that keeps failing does not hold back the retry of
 * later ones. At start the worker reads the whole list once, so a run under the same consumer
 * name finishes what an earlier one left. Ids handled but not acknowledged (XACK failed) are
 * acknowledged first on the next step, without handling them again.
 */
export class StreamWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private nextClaimAt = 0;
  private readonly retry: PendingRetry;
  private unacked: readonly string[] = [];

  constructor(private readonly options: StreamWorkerOptions) {
    this.retry = new PendingRetry(options);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.retry.recover();
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
    if (this.retry.active) {
      const batch = await this.retry.next(room, now);
      return batch ? this.deliver(batch.entries, batch.claimed) : true;
    }
    if (now >= this.nextClaimAt) {
      const idle = o.claimIdleMs();
      this.nextClaimAt = now + Math.max(250, Math.floor(idle / 2));
      const claimed = await o.store.streamClaimIdle(o.stream, o.group, o.consumer, {
        minIdleMs: idle,
        count: room,
      });
      if (claimed.length > 0) {
        o.logger.info('took over pending entries', { stream: o.stream, entries: claimed.length });
        return this.deliver(claimed, true);
      }
    }
    const entries = await o.store.streamReadGroup(o.stream, o.group, o.consumer, {
      count: room,
      blockMs: o.blockMs,
    });
    if (entries.length === 0) return true;
    return this.deliver(entries, false);
  }

  private forgetPending(): void {
    // The group is gone, and with it the pending list these ids were in.
    if (this.retry.forget() || this.unacked.length > 0)
      this.options.logger.warn('failed entries no longer pending; dropped', {
        stream: this.options.stream,
      });
    this.unacked = [];
  }

  /** Hands entries to the handler and acknowledges what it finished; false if some failed. */
  private async deliver(entries: StreamEntry[], claimed: boolean): Promise<boolean> {
    const deliveredAt = Date.now();
    const all = entries.map((e) => e.id);
    let ids: readonly string[];
    try {
      ids = await this.options.handle(entries, claimed);
    } catch (err) {
      this.retry.failed(all, claimed, deliveredAt);
      throw err;
    }
    const finished = new Set(ids);
    // Without retryUnacknowledged, an id not returned is the handler's to finish: not failed.
    const failed =
      this.options.retryUnacknowledged === true ? all.filter((id) => !finished.has(id)) : [];
    const failedSet = new Set(failed);
    this.retry.settled(all.filter((id) => !failedSet.has(id)));
    this.retry.failed(failed, claimed, deliveredAt);
    try {
      await this.ack(ids);
    } catch (err) {
      this.unacked = ids;
      throw err;
    }
    return failed.length === 0;
  }
}
