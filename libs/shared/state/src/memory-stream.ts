import { decimal } from './decimal.js';
import { StoreError } from './errors.js';
import { PendingList } from './memory-pending-list.js';
import { compareIds as compare, parseStreamId, ZERO, type StreamId } from './memory-stream-id.js';
import type { StreamEntry } from './state-store.js';

interface ConsumerGroup {
  lastDelivered: StreamId;
  /** Pending entries in id order (delivery appends increasing ids; claims update in place). */
  pending: PendingList;
}

/** How far past `maxLen` a stream may grow before it is trimmed back to `maxLen`. */
function trimSlack(maxLen: number): number {
  return Math.max(64, Math.floor(maxLen / 16));
}

function noGroup(group: string): StoreError {
  return new StoreError('no_group', `NOGROUP No such consumer group '${group}'`);
}

/**
 * A Redis-like stream for the memory store: ids `<ms>-<seq>`, consumer groups with a pending
 * entries list, delivery of new entries to one consumer, acknowledgement, idle-entry claiming.
 */
export class MemoryStream {
  private entries: Array<StreamEntry & { sid: StreamId }> = [];
  private lastId: StreamId = ZERO;
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly waiters = new Set<() => void>();

  get length(): number {
    return this.entries.length;
  }

  append(fields: Record<string, string>, now: number, maxLen: number | undefined): string {
    const ms = Math.floor(now);
    // Like Redis, ids never go backwards, even if the clock does.
    const sid =
      ms > this.lastId.ms ? { ms, seq: 0 } : { ms: this.lastId.ms, seq: this.lastId.seq + 1 };
    this.lastId = sid;
    const id = `${decimal(sid.ms)}-${decimal(sid.seq)}`;
    this.entries.push({ id, sid, fields: { ...fields } });
    // Approximate like Redis's `MAXLEN ~`: trimming waits for some slack, so a full stream does
    // not move every entry on every append (that made appends O(n) at the cap).
    if (maxLen !== undefined && this.entries.length > maxLen + trimSlack(maxLen))
      this.entries.splice(0, this.entries.length - maxLen);
    if (this.waiters.size > 0) for (const wake of [...this.waiters]) wake();
    return id;
  }

  ensureGroup(group: string): void {
    if (!this.groups.has(group))
      this.groups.set(group, { lastDelivered: ZERO, pending: new PendingList() });
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  readGroup(group: string, consumer: string, count: number, now: number): StreamEntry[] {
    const state = this.group(group);
    const from = this.indexAfter(state.lastDelivered);
    const fresh = this.entries.slice(from, from + count);
    for (const entry of fresh) {
      state.pending.add(entry.id, entry.sid, consumer, now);
      state.lastDelivered = entry.sid;
    }
    return fresh.map(({ id, fields }) => ({ id, fields: { ...fields } }));
  }

  ack(group: string, ids: readonly string[]): number {
    const state = this.groups.get(group);
    if (!state) return 0;
    let acked = 0;
    for (const id of ids) {
      const sid = parseStreamId(id);
      if (sid && state.pending.delete(sid)) acked++;
    }
    return acked;
  }

  /** Drops the head entries every group has been delivered and has acknowledged; returns how many. */
  trimAcked(): number {
    if (this.groups.size === 0) return 0;
    let keepFrom = this.entries.length;
    for (const state of this.groups.values()) {
      // Pending entries are kept in id order, so the first one is the oldest a group still needs.
      const oldestPending = state.pending.first();
      const needed = oldestPending
        ? this.indexOfId(oldestPending.id)
        : this.indexAfter(state.lastDelivered);
      keepFrom = Math.min(keepFrom, needed);
    }
    if (keepFrom > 0) this.entries.splice(0, keepFrom);
    return keepFrom;
  }

  claimIdle(
    group: string,
    consumer: string,
    minIdleMs: number,
    count: number,
    now: number,
  ): StreamEntry[] {
    const state = this.group(group);
    const claimed: StreamEntry[] = [];
    for (const pending of state.pending.values()) {
      if (claimed.length >= count) break;
      if (now - pending.deliveredAt < minIdleMs) continue;
      const { id } = pending;
      const entry = this.entryById(id);
      if (!entry) {
        // Trimmed while pending: XAUTOCLAIM drops it from the pending list.
        state.pending.delete(pending.sid);
        continue;
      }
      pending.consumer = consumer;
      pending.deliveredAt = now;
      pending.deliveries++;
      claimed.push({ id, fields: { ...entry.fields } });
    }
    return claimed;
  }

  /**
   * Up to `count` of `consumer`'s pending entries above `after`, delivered again (XREADGROUP with
   * an id). An entry trimmed while pending leaves the pending list, uncounted (as with Redis).
   */
  readPending(
    group: string,
    consumer: string,
    after: StreamId,
    count: number,
    now: number,
  ): StreamEntry[] {
    const state = this.group(group);
    const read: StreamEntry[] = [];
    for (const pending of state.pending.values()) {
      if (read.length >= count) break;
      if (pending.consumer !== consumer) continue;
      if (compare(pending.sid, after) <= 0) continue;
      const { id } = pending;
      const entry = this.entryById(id);
      if (!entry) {
        state.pending.delete(pending.sid);
        continue;
      }
      pending.deliveredAt = now;
      pending.deliveries++;
      read.push({ id, fields: { ...entry.fields } });
    }
    return read;
  }

  /** The index of the first entry with an id above `sid` (entries are in id order). */
  private indexAfter(sid: StreamId): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = this.entries[mid];
      if (entry && compare(entry.sid, sid) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private entryById(id: string): (StreamEntry & { sid: StreamId }) | undefined {
    const entry = this.entries[this.indexOfId(id)];
    return entry?.id === id ? entry : undefined;
  }

  /** The index of the first entry with an id at or above `id` (the stream's length for a malformed id). */
  private indexOfId(id: string): number {
    const sid = parseStreamId(id);
    if (!sid) return this.entries.length;
    return this.indexAfter({ ms: sid.ms, seq: sid.seq - 1 });
  }

  pendingCount(group: string): number {
    return this.group(group).pending.size;
  }

  /** Resolves on the next append, after `ms`, or when `signal` aborts, whichever comes first. */
  waitForAppend(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      signal.addEventListener('abort', wake);
      this.waiters.add(wake);
      if (signal.aborted) wake();
    });
  }

  private group(name: string): ConsumerGroup {
    const state = this.groups.get(name);
    if (!state) throw noGroup(name);
    return state;
  }
}
