import { decimal } from './decimal.js';
import type { MemoryKeyspace } from './memory-keyspace.js';
import type { BucketState, BucketStep } from './token-bucket.js';

/** The stored state of the bucket hash at `key` (WRONGTYPE for another kind), or undefined. */
export function readBucket(keys: MemoryKeyspace, key: string): BucketState | undefined {
  const fields = keys.hash(key, false);
  const tokens = Number(fields?.get('tokens'));
  const ts = Number(fields?.get('ts'));
  return fields && Number.isFinite(tokens) && Number.isFinite(ts) ? { tokens, ts } : undefined;
}

/** Stores the outcome of a bucket step: its state with its TTL, or nothing for a full bucket. */
export function writeBucket(keys: MemoryKeyspace, key: string, step: BucketStep): void {
  if (step.next === undefined) {
    keys.delete(key);
    return;
  }
  const { state, ttlMs } = step.next;
  const stored = new Map([
    ['tokens', decimal(state.tokens)],
    ['ts', decimal(state.ts)],
  ]);
  keys.put(key, { kind: 'hash', fields: stored }, ttlMs);
}
