import type { TokenBucketOptions, TokenBucketResult } from './state-store.js';

/** What a bucket stores between calls: fractional tokens and the time (ms) they were counted. */
export interface BucketState {
  tokens: number;
  ts: number;
}

/** Result of {@link takeFromBucket}: the reply, and the state to store (or none: delete the key). */
export interface BucketStep {
  result: TokenBucketResult;
  /** undefined: the bucket is full, store nothing (a missing bucket is a full one). */
  next: { state: BucketState; ttlMs: number | undefined } | undefined;
}

/**
 * The token bucket arithmetic, shared by the memory store and mirrored line by line by the Redis
 * Lua script (`TAKE_TOKENS_SCRIPT`). Refills for the time since `state.ts` (never for a clock
 * that went backwards), then takes `cost` tokens if there are enough.
 */
export function takeFromBucket(
  state: BucketState | undefined,
  now: number,
  { capacity, refillPerSecond, cost }: Required<TokenBucketOptions>,
): BucketStep {
  let tokens: number;
  let ts: number;
  if (state === undefined) {
    tokens = capacity;
    ts = now;
  } else if (now > state.ts) {
    tokens = Math.min(capacity, state.tokens + ((now - state.ts) * refillPerSecond) / 1000);
    ts = now;
  } else {
    tokens = state.tokens;
    ts = state.ts;
  }
  // The capacity may have been lowered since the state was stored.
  tokens = Math.min(tokens, capacity);

  const allowed = tokens >= cost;
  if (allowed) tokens -= cost;

  let retryAfterMs = 0;
  if (!allowed) {
    if (refillPerSecond > 0 && cost <= capacity) {
      retryAfterMs = Math.ceil(((cost - tokens) * 1000) / refillPerSecond);
      // Rounding can leave the refill after exactly retryAfterMs a hair short of cost; a client
      // that honours Retry-After must then be admitted, so re-check with the refill formula.
      if (tokens + (retryAfterMs * refillPerSecond) / 1000 < cost) retryAfterMs += 1;
    } else {
      retryAfterMs = Infinity;
    }
  }
  let resetMs = 0;
  if (tokens < capacity)
    resetMs =
      refillPerSecond > 0 ? Math.ceil(((capacity - tokens) * 1000) / refillPerSecond) : Infinity;

  return {
    result: { allowed, remaining: Math.floor(tokens), retryAfterMs, resetMs },
    next:
      resetMs === 0
        ? undefined
        : { state: { tokens, ts }, ttlMs: Number.isFinite(resetMs) ? resetMs : undefined },
  };
}
