import { StoreError } from './errors.js';
import type { MemoryStream } from './memory-stream.js';

/** A value in the memory keyspace, typed like the Redis value it stands for. */
export type MemoryValue =
  | { kind: 'string'; value: string }
  | { kind: 'hash'; fields: Map<string, string> }
  | { kind: 'stream'; stream: MemoryStream };

interface Slot {
  value: MemoryValue;
  /** Absolute expiry time in ms (clock of the keyspace), or undefined for no TTL. */
  expiresAt: number | undefined;
}

const SWEEP_INTERVAL_MS = 5_000;

function wrongType(): StoreError {
  return new StoreError(
    'wrong_type',
    'WRONGTYPE Operation against a key holding the wrong kind of value',
  );
}

/**
 * The keys of a memory store: typed values with Redis-like TTLs. Expired keys vanish on access;
 * a sweep on writes (at most every few seconds) frees the memory of keys nobody reads again.
 */
export class MemoryKeyspace {
  private readonly slots = new Map<string, Slot>();
  private lastSweep: number;

  constructor(readonly now: () => number) {
    this.lastSweep = now();
  }

  /** Number of stored keys, expired ones not yet swept included. */
  get size(): number {
    return this.slots.size;
  }

  /** The live value at `key`, or undefined. */
  lookup(key: string): MemoryValue | undefined {
    return this.live(key)?.value;
  }

  /** The string at `key`; WRONGTYPE for another kind. */
  string(key: string): string | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (value.kind !== 'string') throw wrongType();
    return value.value;
  }

  /** The hash at `key`, created empty (without TTL) when `create`; WRONGTYPE for another kind. */
  hash(key: string, create: true): Map<string, string>;
  hash(key: string, create: false): Map<string, string> | undefined;
  hash(key: string, create: boolean): Map<string, string> | undefined {
    const value = this.lookup(key);
    if (value === undefined) {
      if (!create) return undefined;
      const fields = new Map<string, string>();
      this.put(key, { kind: 'hash', fields }, undefined);
      return fields;
    }
    if (value.kind !== 'hash') throw wrongType();
    return value.fields;
  }

  /** The stream at `key`, or undefined; WRONGTYPE for another kind. */
  stream(key: string): MemoryStream | undefined {
    const value = this.lookup(key);
    if (value === undefined) return undefined;
    if (value.kind !== 'stream') throw wrongType();
    return value.stream;
  }

  /** Stores `value`, replacing any value and TTL. */
  put(key: string, value: MemoryValue, ttlMs: number | undefined): void {
    this.sweepIfDue();
    this.slots.set(key, { value, expiresAt: ttlMs === undefined ? undefined : this.now() + ttlMs });
  }

  /** Replaces the string at `key` keeping its TTL (INCRBY semantics). */
  replaceString(key: string, value: string): void {
    const slot = this.live(key);
    if (slot) slot.value = { kind: 'string', value };
    else this.put(key, { kind: 'string', value }, undefined);
  }

  delete(key: string): boolean {
    return this.live(key) !== undefined && this.slots.delete(key);
  }

  /** Remaining TTL: ms, Infinity without TTL, undefined when missing. */
  ttl(key: string): number | undefined {
    const slot = this.live(key);
    if (!slot) return undefined;
    return slot.expiresAt === undefined
      ? Infinity
      : Math.max(0, Math.ceil(slot.expiresAt - this.now()));
  }

  /** Sets (`ttlMs`) or clears (undefined) the TTL of a live key; false when missing. */
  setTtl(key: string, ttlMs: number | undefined): boolean {
    const slot = this.live(key);
    if (!slot) return false;
    slot.expiresAt = ttlMs === undefined ? undefined : this.now() + ttlMs;
    return true;
  }

  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= this.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private sweepIfDue(): void {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, slot] of this.slots) {
      if (slot.expiresAt !== undefined && slot.expiresAt <= now) this.slots.delete(key);
    }
  }
}
