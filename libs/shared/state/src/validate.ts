import { invalidArgument } from './errors.js';
import type { TokenBucketOptions } from './state-store.js';

// Both implementations validate here, so a bad argument fails the same way with or without Redis.

/** A TTL must be a whole number of milliseconds ≥ 1 (Redis rejects 0 and fractions). */
export function checkTtl(ttlMs: number, name = 'ttlMs'): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
    throw invalidArgument(`${name} must be an integer ≥ 1, got ${ttlMs}`);
  return ttlMs;
}

/** Increments are 64-bit integers in Redis; we accept the safely representable part. */
export function checkIncrement(by: number): number {
  if (!Number.isSafeInteger(by))
    throw invalidArgument(`increment must be a safe integer, got ${by}`);
  return by;
}

/** A positive whole count (COUNT, MAXLEN), or the default when absent. */
export function checkCount(count: number | undefined, fallback: number, name: string): number {
  if (count === undefined) return fallback;
  if (!Number.isSafeInteger(count) || count < 1)
    throw invalidArgument(`${name} must be an integer ≥ 1, got ${count}`);
  return count;
}

/** A duration ≥ 0 in whole ms, or 0 when absent. */
export function checkDuration(ms: number | undefined, name: string): number {
  if (ms === undefined) return 0;
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw invalidArgument(`${name} must be an integer ≥ 0, got ${ms}`);
  return ms;
}

/** Stream entries need at least one field (XADD requires one). */
export function checkFields(fields: Record<string, string>): Array<[string, string]> {
  const pairs = Object.entries(fields);
  if (pairs.length === 0) throw invalidArgument('a stream entry needs at least one field');
  for (const [name, value] of pairs) {
    if (typeof value !== 'string') throw invalidArgument(`stream field "${name}" must be a string`);
  }
  return pairs;
}

/** Token bucket parameters with the default cost filled in. */
export function checkBucket(options: TokenBucketOptions): Required<TokenBucketOptions> {
  const { capacity, refillPerSecond, cost = 1 } = options;
  if (!Number.isFinite(capacity) || capacity <= 0)
    throw invalidArgument(`capacity must be > 0, got ${capacity}`);
  if (!Number.isFinite(refillPerSecond) || refillPerSecond < 0) {
    throw invalidArgument(`refillPerSecond must be ≥ 0, got ${refillPerSecond}`);
  }
  if (!Number.isFinite(cost) || cost < 0) throw invalidArgument(`cost must be ≥ 0, got ${cost}`);
  return { capacity, refillPerSecond, cost };
}

/** Stream ids as `<ms>-<seq>`; checked up front so both stores reject a bad id the same way. */
export function checkStreamIds(ids: readonly string[]): string[] {
  for (const id of ids) checkStreamId(id);
  return [...ids];
}

const MAX_ID_PART = 2n ** 64n - 1n;
/** Parts of up to 19 digits are below 2^64 (≈ 1.8 × 10^19): no arithmetic needed (the relay acks ids by the hundred). */
const SHORT_ID = /^\d{1,19}-\d{1,19}$/;

/**
 * One stream id `<ms>-<seq>`, both parts unsigned 64-bit integers as in Redis (which would
 * otherwise fail the command, while the memory store would just compare the numbers).
 */
export function checkStreamId(id: string, name = 'stream id'): string {
  if (SHORT_ID.test(id)) return id;
  const match = /^(\d+)-(\d+)$/.exec(id);
  if (
    !match ||
    BigInt(match[1] as string) > MAX_ID_PART ||
    BigInt(match[2] as string) > MAX_ID_PART
  )
    throw invalidArgument(`invalid ${name} "${id}"`);
  return id;
}
