import type { StreamEntry } from '@mcpgw/state';
import { compareStreamIds, streamIdBefore } from './stream-ids.js';
import type { StreamWorkerOptions } from './stream-worker-options.js';

type RetryDeps = Pick<
  StreamWorkerOptions,
  'store' | 'stream' | 'group' | 'consumer' | 'logger' | 'claimIdleMs'
>;

/** Pending entries to hand to the handler again. */
export interface RetryBatch {
  entries: StreamEntry[];
  /** Whether they were taken over from another consumer or left by an earlier run. */
  claimed: boolean;
}

/** A failed entry: how it was first delivered, and when. */
interface Failure {
  claimed: boolean;
  since: number;
}

const HEAD = '0-0';

/**
 * Retries failed entries by re-reading them from this consumer's own pending list in the store
 * (`streamReadPending`, Redis `XREADGROUP … <id>`), not from memory: what comes back is exactly
 * what is still pending for this consumer — not what was acknowledged, claimed by another
 * consumer, trimmed, or lost with the group. Only the ids of failed entries are remembered
 * (each with its first failed delivery), and each is retried for at most half the claim-idle
 * time from then; after that it is left to the idle claim, and no longer re-read.
 *
 * A pass reads from just before the oldest failed id, page by page, handing over only failed
 * ids (an entry left to the idle claim earlier, or one the handler still works on, is not handed
 * over). So an entry that keeps failing never holds back the retry of one that failed later, and
 * a re-read never restarts the idle time of an older entry left to the idle claim. At start-up
 * one pass hands over the whole pending list: what an earlier run under this name left.
 */
export class PendingRetry {
  private readonly failures = new Map<string, Failure>();
  /** Where the start-up pass over the whole pending list stands; undefined when over. */
  private recovery: string | undefined;
  /** The last id read by the current pass over failed ids; undefined between passes. */
  private cursor: string | undefined;

  constructor(private readonly deps: RetryDeps) {}

  /** Whether the next step re-reads pending entries instead of reading new ones. */
  get active(): boolean {
    return this.recovery !== undefined || this.failures.size > 0;
  }

  /** Starts a pass over entries an earlier run under this consumer name did not finish. */
  recover(): void {
    this.recovery = HEAD;
  }

  /** These entries failed: retry them (an id already failing keeps its first failure time). */
  failed(ids: readonly string[], claimed: boolean, deliveredAt: number): void {
    for (const id of ids)
      if (!this.failures.has(id)) this.failures.set(id, { claimed, since: deliveredAt });
  }

  /** These entries were handled (or are the handler's to finish): nothing to retry. */
  settled(ids: readonly string[]): void {
    for (const id of ids) this.failures.delete(id);
  }

  /** Forgets everything (the pending list is gone); true if anything was left to retry. */
  forget(): boolean {
    const had = this.active;
    this.failures.clear();
    this.recovery = undefined;
    this.cursor = undefined;
    return had;
  }

  /** The next entries to hand over (at most `count`), or undefined when there are none now. */
  async next(count: number, now: number): Promise<RetryBatch | undefined> {
    if (this.recovery !== undefined) {
      const entries = await this.read(this.recovery, count);
      const last = entries.at(-1);
      this.recovery = last && entries.length >= count ? last.id : undefined;
      if (last) return { entries, claimed: true };
    }
    this.expire(now);
    return this.nextFailed(count);
  }

  /** Leaves failed entries past their retry window to the idle claim. */
  private expire(now: number): void {
    const window = this.deps.claimIdleMs() / 2;
    let expired = 0;
    for (const [id, failure] of this.failures) {
      // Each re-read restarted their idle time, so nobody could claim them while we retried.
      if (now - failure.since < window) continue;
      this.failures.delete(id);
      expired++;
    }
    if (expired > 0)
      this.deps.logger.warn('failed entries left to the idle claim', {
        stream: this.deps.stream,
        entries: expired,
      });
  }

  private async nextFailed(count: number): Promise<RetryBatch | undefined> {
    const ids = [...this.failures.keys()].sort(compareStreamIds);
    const first = ids[0];
    const newest = ids.at(-1);
    if (first === undefined || newest === undefined) {
      this.cursor = undefined;
      return undefined;
    }
    // Go on after the last page, or start a pass at the oldest failed id.
    let after =
      this.cursor !== undefined && compareStreamIds(newest, this.cursor) > 0
        ? this.cursor
        : streamIdBefore(first);
    let gone = 0;
    let batch: StreamEntry[] = [];
    // Every page moves `after` forward through a finite pending list, so this ends.
    for (;;) {
      const want = Math.min(count, this.failures.size);
      const entries = await this.read(after, want);
      const last = entries.at(-1);
      const full = last !== undefined && entries.length >= want;
      const returned = new Set(entries.map((e) => e.id));
      // Failed ids this page covers but did not return are no longer pending for us.
      for (const id of [...this.failures.keys()]) {
        if (returned.has(id) || compareStreamIds(id, after) <= 0) continue;
        if (full && compareStreamIds(id, last.id) > 0) continue;
        this.failures.delete(id);
        gone++;
      }
      batch = entries.filter((e) => this.failures.has(e.id));
      const more =
        full && [...this.failures.keys()].some((id) => compareStreamIds(id, last.id) > 0);
      this.cursor = more ? last.id : undefined;
      if (batch.length > 0 || !more) break;
      after = last.id;
    }
    if (gone > 0)
      // Acknowledged or claimed by another consumer, trimmed, or the group was re-created.
      this.deps.logger.warn('failed entries no longer pending for this consumer; not retried', {
        stream: this.deps.stream,
        entries: gone,
      });
    if (batch.length === 0) return undefined;
    const claimed = batch.some((e) => this.failures.get(e.id)?.claimed === true);
    return { entries: batch, claimed };
  }

  private read(after: string, count: number): Promise<StreamEntry[]> {
    const d = this.deps;
    return d.store.streamReadPending(d.stream, d.group, d.consumer, { count, after });
  }
}
