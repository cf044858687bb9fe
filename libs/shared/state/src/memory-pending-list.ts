import { compareIds, type StreamId } from './memory-stream-id.js';

/** One delivered, unacknowledged entry of a consumer group. */
export interface PendingEntry {
  readonly id: string;
  readonly sid: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Slot extends PendingEntry {
  acked: boolean;
}

/** Acknowledged slots kept before the list is compacted (and at least as many as live ones). */
const MIN_COMPACT = 64;

/**
 * A consumer group's pending entries list, in id order. Deliveries append increasing ids and
 * acknowledgements mostly take from the front, so an array with a moving head serves both.
 *
 * Why not a `Map` keyed by id: an outbox takes an entry per event, and a long-lived Map with that
 * churn has its hash tables replaced in the old generation, each keeping the entries it held until
 * the next full collection (ADR 0009). Here an acknowledged entry is only marked, and dropped when
 * the head passes it or the list is compacted into a new array.
 */
export class PendingList {
  private slots: Slot[] = [];
  /** Every slot before it is acknowledged. */
  private head = 0;
  /** Acknowledged slots at or after the head. */
  private holes = 0;

  get size(): number {
    return this.slots.length - this.head - this.holes;
  }

  /** Adds an entry delivered once, now; its id must be above every id added before. */
  add(id: string, sid: StreamId, consumer: string, deliveredAt: number): void {
    const last = this.slots[this.slots.length - 1];
    if (last && compareIds(sid, last.sid) <= 0) {
      throw new RangeError(`pending entry ${id} is not after ${last.id}`);
    }
    this.compactIfSparse();
    this.slots.push({ id, sid, consumer, deliveredAt, deliveries: 1, acked: false });
  }

  get(sid: StreamId): PendingEntry | undefined {
    const slot = this.slots[this.indexOf(sid)];
    return slot && !slot.acked && compareIds(slot.sid, sid) === 0 ? slot : undefined;
  }

  /** Removes the entry; false when it was not pending. */
  delete(sid: StreamId): boolean {
    const slot = this.slots[this.indexOf(sid)];
    if (!slot || slot.acked || compareIds(slot.sid, sid) !== 0) return false;
    slot.acked = true;
    this.holes += 1;
    while (this.head < this.slots.length && this.slots[this.head]?.acked) {
      this.head += 1;
      this.holes -= 1;
    }
    return true;
  }

  /** The oldest pending entry. */
  first(): PendingEntry | undefined {
    return this.slots[this.head];
  }

  /** The pending entries in id order (deleting while iterating is allowed). */
  *values(): IterableIterator<PendingEntry> {
    for (let i = this.head; i < this.slots.length; i += 1) {
      const slot = this.slots[i];
      if (slot && !slot.acked) yield slot;
    }
  }

  /** The index of the first slot at or after the head whose id is not below `sid`. */
  private indexOf(sid: StreamId): number {
    let low = this.head;
    let high = this.slots.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const slot = this.slots[mid];
      if (slot && compareIds(slot.sid, sid) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Runs only from `add`, so an iteration in progress never sees the slots move. */
  private compactIfSparse(): void {
    const dead = this.head + this.holes;
    if (dead < MIN_COMPACT || dead < this.size) return;
    const live: Slot[] = [];
    for (let i = this.head; i < this.slots.length; i += 1) {
      const slot = this.slots[i];
      if (slot && !slot.acked) live.push(slot);
    }
    this.slots = live;
    this.head = 0;
    this.holes = 0;
  }
}
