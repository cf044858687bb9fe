/**
 * The one state-store interface every service uses, with two implementations: Redis
 * (`RedisStateStore`, shared by all replicas) and in-process memory (`MemoryStateStore`, the
 * embedded default for a single process). Both have the same semantics, checked by one contract
 * suite. Values are strings; callers serialise. Every key, stream and channel is given the
 * store's `keyPrefix`. Every method may reject with `StoreUnavailableError` (transient) or
 * `StoreError` (a programming error); neither ever hangs past the store's command timeout.
 */

/** Options of {@link StateStore.set}. */
export interface SetOptions {
  /** Expire the key after this many milliseconds (integer ≥ 1). Without it any old TTL is cleared. */
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX). */
  onlyIfAbsent?: boolean;
}

/** Options of {@link StateStore.incrBy}. */
export interface IncrByOptions {
  /** TTL applied only when this call creates the key (a fixed window starting at the first hit). */
  ttlMs?: number;
}

/** Parameters of one token bucket, see {@link StateStore.takeTokens}. */
export interface TokenBucketOptions {
  /** Bucket size: the largest burst (> 0). */
  capacity: number;
  /** Tokens added per second (≥ 0; 0 = never refills). */
  refillPerSecond: number;
  /** Tokens this request takes (≥ 0); default 1. */
  cost?: number;
}

/** Outcome of {@link StateStore.takeTokens}. */
export interface TokenBucketResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** 0 when allowed; else ms until `cost` tokens are available (`Infinity` if never). */
  retryAfterMs: number;
  /** ms until the bucket is full again (0 when full, `Infinity` when it never refills). */
  resetMs: number;
}

/** One token bucket of an {@link AdmissionRequest}: {@link TokenBucketOptions} plus its key. */
export interface AdmissionBucket extends TokenBucketOptions {
  /** The bucket's key (a hash, shared with {@link StateStore.takeTokens}); not empty. */
  key: string;
}

/** One counter of an {@link AdmissionRequest}: a fixed-window quota like `incrBy` with `ttlMs`. */
export interface AdmissionQuota {
  /** The counter's key (an integer string, shared with {@link StateStore.incrBy}); not empty. */
  key: string;
  /** Most units the window allows (integer ≥ 0). */
  limit: number;
  /** Window length: the TTL set when this call creates the counter, never changed after (integer ≥ 1). */
  windowTtlMs: number;
  /** Units this request uses (integer ≥ 0); default 1. A cost of 0 never creates the counter. */
  cost?: number;
}

/** The input of {@link StateStore.admit}. All keys must be distinct. */
export interface AdmissionRequest {
  buckets: readonly AdmissionBucket[];
  quotas?: readonly AdmissionQuota[];
  /** Appended to the stream (trimmed like streamAppend) only when the admission is allowed, atomically with the takes. */
  append?: { stream: string; fields: Record<string, string>; maxLenApprox?: number };
}

/** One quota's outcome in an {@link AdmissionResult}. */
export interface AdmissionQuotaResult {
  /** The counter after this admission (unchanged when refused; 0 for a missing counter). */
  used: number;
  /** Whether this quota alone had room: counter before + cost ≤ limit. */
  allowed: boolean;
  /** ms until the counter's window ends (0 when it does not exist, `Infinity` when it has no TTL). */
  resetMs: number;
}

/** Outcome of {@link StateStore.admit}. */
export interface AdmissionResult {
  allowed: boolean;
  /**
   * Index-aligned with `request.buckets`. When allowed: exactly what `takeTokens` would give.
   * When refused nothing is taken from any bucket: each bucket's `allowed` says whether it alone
   * had `cost` tokens, `remaining`/`resetMs` describe it untouched, and `retryAfterMs` is
   * `takeTokens`' wait for a bucket short of tokens (0 for one that had enough).
   */
  buckets: TokenBucketResult[];
  /** Index-aligned with `request.quotas` (`[]` without quotas). */
  quotas: AdmissionQuotaResult[];
  /** The first refusing item, buckets before quotas; absent when allowed. */
  refusedBy?: { kind: 'bucket' | 'quota'; index: number };
  /** The stream entry id, when allowed and `append` was given. */
  appendedId?: string;
}

/** A held lock, see {@link StateStore.acquireLock}. */
export interface Lock {
  /** The key as passed to `acquireLock` (without the store prefix). */
  readonly key: string;
  /** Random owner token; only its holder can release or extend the lock. */
  readonly token: string;
  /** Deletes the lock if this owner still holds it; false if it had expired or been taken over. */
  release(): Promise<boolean>;
  /** Resets the TTL to `ttlMs` if this owner still holds it; false otherwise. */
  extend(ttlMs: number): Promise<boolean>;
}

/** Options of {@link StateStore.singleFlight}. */
export interface SingleFlightOptions {
  /** TTL of the cross-process lock; must exceed `fn`'s worst case (give `fn` its own timeout). Default 10 000. */
  lockTtlMs?: number;
  /** How long a process that lost the lock waits for the winner's result. Default 10 000. */
  waitTimeoutMs?: number;
  /** How long the winner's result stays readable for waiting processes. Default 5 000. */
  resultTtlMs?: number;
}

/** One stream entry. */
export interface StreamEntry {
  /** Stream id `<ms>-<seq>`, increasing. */
  id: string;
  fields: Record<string, string>;
}

/** Options of {@link StateStore.streamAppend}. */
export interface StreamAppendOptions {
  /** Trim the stream to about this many entries (Redis `MAXLEN ~`: at least this many stay). */
  maxLenApprox?: number;
}

/** Options of {@link StateStore.streamReadGroup}. */
export interface StreamReadOptions {
  /** Most entries to return; default 100. */
  count?: number;
  /** Wait up to this long for new entries when there are none (0 or absent: do not wait). */
  blockMs?: number;
}

/** Options of {@link StateStore.streamReadPending}. */
export interface StreamPendingReadOptions {
  /** Most entries to return; default 100. */
  count?: number;
  /** Only entries with an id above this one (the last id of the previous page); default `0-0`. */
  after?: string;
}

/** Options of {@link StateStore.streamClaimIdle}. */
export interface StreamClaimOptions {
  /** Only entries delivered at least this long ago and not acknowledged. */
  minIdleMs: number;
  /** Most entries to claim in this call; default 100. */
  count?: number;
}

/** Receives messages of a subscribed channel. Exceptions are caught and logged. */
export type MessageHandler = (message: string) => void;

/** Ends one subscription; never rejects. */
export type Unsubscribe = () => Promise<void>;

/** The state store. See the module comment for the shared semantics. */
export interface StateStore {
  /** `redis` or `memory`: for logs and readiness output. */
  readonly kind: 'redis' | 'memory';
  /** The prefix given to every key, stream and channel. */
  readonly keyPrefix: string;

  /** The string at `key`, or null. */
  get(key: string): Promise<string | null>;
  /** Stores `value`; resolves false only when `onlyIfAbsent` was set and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Deletes `key` (any type); true if it existed. */
  delete(key: string): Promise<boolean>;
  /** Adds the integer `by` to the integer at `key` (missing = 0) and returns the new value. */
  incrBy(key: string, by: number, options?: IncrByOptions): Promise<number>;
  /** Remaining TTL in ms; `Infinity` for a key without TTL; null for a missing key. */
  ttlMs(key: string): Promise<number | null>;
  /** Sets the TTL of an existing key; false if the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;

  /** Adds the integer `by` to hash field `field` and returns the new value (aggregates). */
  hashIncrBy(key: string, field: string, by: number): Promise<number>;
  /** All fields of the hash at `key` (`{}` when missing). */
  hashGetAll(key: string): Promise<Record<string, string>>;

  /**
   * Atomically refills the token bucket at `key` (a hash) for the time elapsed, then takes
   * `cost` tokens if available. Redis runs this as one Lua script on the server clock (one key),
   * so replicas never over-admit together. The key expires once the bucket would be full again
   * (with `refillPerSecond` 0 it never refills and never expires).
   */
  takeTokens(key: string, options: TokenBucketOptions): Promise<TokenBucketResult>;

  /**
   * One atomic admission decision: refills every bucket for the elapsed time (the `takeTokens`
   * arithmetic), then — only if every bucket has its `cost` tokens and every quota has room for
   * its `cost` — takes from all buckets, adds to all counters (a new counter gets `windowTtlMs`)
   * and appends `append` to its stream; otherwise changes nothing at all. Redis runs it as one
   * Lua script (`ADMIT`) in one round trip, on the server clock. An empty request is allowed.
   * Rejects with `StoreError` (`invalid_argument`) for empty or duplicate keys, bad numbers or
   * empty fields, before touching the store; `wrong_type`/`not_integer` leave everything unchanged.
   * The keys usually lie in several Redis Cluster hash slots: unlike the other methods this is
   * for a single Redis endpoint only, unless the caller gives every key one `{hash tag}`.
   */
  admit(request: AdmissionRequest): Promise<AdmissionResult>;

  /** Takes the lock at `key` for `ttlMs` if free (SET NX PX with a random token); else null. */
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  /**
   * Runs `fn` once for all concurrent callers of `key`: callers in this process share one
   * promise; across processes the lock winner runs `fn` and publishes its JSON result for
   * `resultTtlMs`, others poll for it (bounded by `waitTimeoutMs`, then `StoreWaitTimeoutError`).
   * If the winner dies its lock expires and a waiter takes over; if `fn` fails, waiters run it
   * themselves. The result must be JSON-serialisable (other processes get its JSON round trip),
   * and a result published in the last `resultTtlMs` is reused instead of running `fn`. Keys used:
   * `sf:{<key>}:lock` and `sf:{<key>}:result` (one Redis Cluster hash slot).
   */
  singleFlight<T>(key: string, fn: () => Promise<T>, options?: SingleFlightOptions): Promise<T>;

  /** Appends an entry (at least one field) and returns its id. */
  streamAppend(
    stream: string,
    fields: Record<string, string>,
    options?: StreamAppendOptions,
  ): Promise<string>;
  /**
   * Appends `entries` (each with at least one field) in order, in one round trip and atomically
   * (Redis: one Lua script, `STREAM_APPEND_MANY`), trimming like `streamAppend`; returns
   * their ids in order. An empty `entries` resolves `[]` without contacting the store.
   */
  streamAppendMany(
    stream: string,
    entries: readonly Record<string, string>[],
    options?: StreamAppendOptions,
  ): Promise<string[]>;
  /** Creates consumer group `group` (and the stream) if missing; it starts at the stream's beginning. */
  streamEnsureGroup(stream: string, group: string): Promise<void>;
  /**
   * Delivers entries no consumer of `group` has seen yet to `consumer`; they stay pending until
   * acknowledged. Rejects with `StoreError` (`no_group`) when the group does not exist.
   */
  streamReadGroup(
    stream: string,
    group: string,
    consumer: string,
    options?: StreamReadOptions,
  ): Promise<StreamEntry[]>;
  /**
   * Re-reads `consumer`'s own pending entries — delivered to it, not yet acknowledged — with an
   * id above `after`, in id order, at most `count` (Redis `XREADGROUP … STREAMS <stream> <after>`).
   * Each one returned counts as delivered again: its idle time restarts, so `streamClaimIdle`
   * leaves it to this consumer for another `minIdleMs`. An entry trimmed from the stream while
   * pending is never returned: it is removed from the pending list (as `streamClaimIdle` does)
   * and does not count against `count`. Other consumers' entries are never returned. Rejects
   * with `StoreError` (`no_group`) when the group does not exist. On Redis, like any
   * `XREADGROUP`, it creates `consumer` in the group if it is not there yet (an empty consumer,
   * listed by `XINFO CONSUMERS` until deleted); the memory store keeps no consumer list.
   */
  streamReadPending(
    stream: string,
    group: string,
    consumer: string,
    options?: StreamPendingReadOptions,
  ): Promise<StreamEntry[]>;
  /** Acknowledges entries (removes them from the group's pending list); returns how many were pending. */
  streamAck(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /**
   * Reassigns to `consumer` pending entries idle for at least `minIdleMs` (a dead consumer's) and
   * returns them (XAUTOCLAIM). Entries trimmed from the stream meanwhile are dropped from pending.
   */
  streamClaimIdle(
    stream: string,
    group: string,
    consumer: string,
    options: StreamClaimOptions,
  ): Promise<StreamEntry[]>;
  /** Number of delivered, unacknowledged entries of `group`. */
  streamPendingCount(stream: string, group: string): Promise<number>;
  /**
   * Removes the entries at the head of the stream that every consumer group has been delivered
   * and has acknowledged (Redis: `XTRIM MINID` up to the oldest entry some group still needs, in
   * one script); returns how many went. An entry still pending in any group — a dead consumer's,
   * waiting to be claimed — and anything after it stays. A stream without groups is left alone.
   */
  streamTrimAcked(stream: string): Promise<number>;
  /** Number of entries in the stream (0 when missing). */
  streamLength(stream: string): Promise<number>;

  /** Publishes to `channel`; returns the number of subscribed store instances that receive it. */
  publish(channel: string, message: string): Promise<number>;
  /** Calls `handler` for each message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;

  /** Resolves when the store answers (readiness probe). */
  ping(): Promise<void>;
  /** Releases connections and timers; later calls reject with `StoreUnavailableError` (`closed`). */
  close(): Promise<void>;
}
