import { createHash } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import type { CompiledWindow } from './compile-rules.js';

/** Numerator (`n`: events matching the rule) or denominator (`d`: events of the rate's base). */
export type CounterKind = 'n' | 'd';

/** Short, bounded hash of a group key (an IP, a user, an upstream name). */
export function keyHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}

const counterKey = (rule: string, hash: string, kind: CounterKind, slot: number) =>
  `rule:w:${rule}:${hash}:${kind}:${slot}`;

/**
 * Sliding-window counters shared by all replicas: one counter per (rule, key, slot) of
 * `window.slotMs`, created with a TTL just over the window, summed over the window's slots.
 * Increments are grouped per batch so a burst of events costs one INCRBY per slot.
 */
export class WindowCounter {
  private readonly pending = new Map<string, { by: number; ttlMs: number }>();

  constructor(private readonly store: StateStore) {}

  /** Queues `by` for the slot containing `atMs`; applied by {@link flush}. */
  add(
    rule: string,
    hash: string,
    kind: CounterKind,
    window: CompiledWindow,
    atMs: number,
    by = 1,
  ): void {
    const key = counterKey(rule, hash, kind, Math.floor(atMs / window.slotMs));
    const entry = this.pending.get(key);
    if (entry) entry.by += by;
    else this.pending.set(key, { by, ttlMs: window.ms + 2 * window.slotMs });
  }

  async flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    await Promise.all(batch.map(([key, { by, ttlMs }]) => this.store.incrBy(key, by, { ttlMs })));
  }

  /** Sum over the window ending with the slot containing `atMs`. */
  async sum(
    rule: string,
    hash: string,
    kind: CounterKind,
    window: CompiledWindow,
    atMs: number,
  ): Promise<number> {
    const last = Math.floor(atMs / window.slotMs);
    const values = await Promise.all(
      Array.from({ length: window.slots }, (_, i) =>
        this.store.get(counterKey(rule, hash, kind, last - i)),
      ),
    );
    return values.reduce((total, v) => total + Number(v ?? '0'), 0);
  }
}
