import { randomUUID } from 'node:crypto';
import { StoreError, StoreUnavailableError } from './errors.js';
import { silentLogger, type StateLogger } from './logger.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryKeyspace } from './memory-keyspace.js';
import { MemoryStream } from './memory-stream.js';
import { parseStreamId, ZERO } from './memory-stream-id.js';
import { SingleFlight } from './single-flight.js';
import { admitInMemory } from './memory-admission.js';
import { readBucket, writeBucket } from './memory-bucket.js';
import type {
  AdmissionRequest,
  AdmissionResult,
  IncrByOptions,
  Lock,
  MessageHandler,
  SetOptions,
  SingleFlightOptions,
  StateStore,
  StreamAppendOptions,
  StreamClaimOptions,
  StreamEntry,
  StreamPendingReadOptions,
  StreamReadOptions,
  TokenBucketOptions,
  TokenBucketResult,
  Unsubscribe,
} from './state-store.js';
import { Subscriptions } from './subscriptions.js';
import { takeFromBucket } from './token-bucket.js';
import {
  checkBucket,
  checkCount,
  checkDuration,
  checkFields,
  checkIncrement,
  checkStreamId,
  checkStreamIds,
  checkTtl,
} from './validate.js';
import { checkAdmission, checkMaxLen } from './validate-admission.js';

/** The data of memory stores: stores sharing one backend see the same keys, like processes sharing one Redis. */
export interface MemoryBackend {
  readonly keyspace: MemoryKeyspace;
  readonly bus: MemoryBus;
}

/** Creates an empty backend; `now` (ms) defaults to a monotonic wall clock. */
export function createMemoryBackend(options: { now?: () => number } = {}): MemoryBackend {
  // timeOrigin + now() gives wall-clock-like ms (stream ids) that never jump with clock changes.
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  return { keyspace: new MemoryKeyspace(now), bus: new MemoryBus() };
}

/** Options of {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  keyPrefix?: string;
  logger?: StateLogger;
  /** Share data with other stores; default: a new private backend. */
  backend?: MemoryBackend;
}

function parseInteger(raw: string): number {
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new StoreError('not_integer', 'ERR value is not an integer or out of range');
  }
  return Number(raw);
}

function addChecked(current: number, by: number): number {
  const sum = current + by;
  if (!Number.isSafeInteger(sum))
    throw new StoreError('not_integer', 'ERR increment or decrement would overflow');
  return sum;
}

const NO_SUCH_STREAM = (key: string): StoreError =>
  new StoreError('no_group', `NOGROUP No such key '${key}' or consumer group`);

/**
 * The in-process {@link StateStore}: the embedded default for a single process (no REDIS_URL).
 * Same semantics as the Redis store; operations are atomic because each runs to completion on
 * the event loop. Data is lost when the process exits.
 */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly keyPrefix: string;
  private readonly backend: MemoryBackend;
  private readonly subscriptions: Subscriptions;
  private readonly flights: SingleFlight;
  private readonly closing = new AbortController();
  private readonly listener = (channel: string, message: string): void =>
    this.subscriptions.dispatch(channel, message);

  constructor(options: MemoryStateStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? '';
    this.backend = options.backend ?? createMemoryBackend();
    this.subscriptions = new Subscriptions(options.logger ?? silentLogger);
    this.flights = new SingleFlight(this);
  }

  private get keys(): MemoryKeyspace {
    this.assertOpen();
    return this.backend.keyspace;
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new StoreUnavailableError('closed');
  }

  private k(key: string): string {
    return this.keyPrefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.keys.string(this.k(key)) ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const ttl = options.ttlMs === undefined ? undefined : checkTtl(options.ttlMs);
    const keys = this.keys;
    if (options.onlyIfAbsent && keys.lookup(this.k(key)) !== undefined) return false;
    keys.put(this.k(key), { kind: 'string', value }, ttl);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.keys.delete(this.k(key));
  }

  async incrBy(key: string, by: number, options: IncrByOptions = {}): Promise<number> {
    checkIncrement(by);
    const ttl = options.ttlMs === undefined ? undefined : checkTtl(options.ttlMs);
    const keys = this.keys;
    const current = keys.string(this.k(key));
    if (current === undefined) {
      keys.put(this.k(key), { kind: 'string', value: String(by) }, ttl);
      return by;
    }
    const next = addChecked(parseInteger(current), by);
    keys.replaceString(this.k(key), String(next));
    return next;
  }

  async ttlMs(key: string): Promise<number | null> {
    return this.keys.ttl(this.k(key)) ?? null;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    return this.keys.setTtl(this.k(key), ttlMs);
  }

  async hashIncrBy(key: string, field: string, by: number): Promise<number> {
    checkIncrement(by);
    const fields = this.keys.hash(this.k(key), true);
    const current = fields.get(field);
    const next = current === undefined ? by : addChecked(parseInteger(current), by);
    fields.set(field, String(next));
    return next;
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.keys.hash(this.k(key), false) ?? []);
  }

  async takeTokens(key: string, options: TokenBucketOptions): Promise<TokenBucketResult> {
    const bucket = checkBucket(options);
    const keys = this.keys;
    const step = takeFromBucket(readBucket(keys, this.k(key)), keys.now(), bucket);
    writeBucket(keys, this.k(key), step);
    return step.result;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const checked = checkAdmission(request);
    return admitInMemory(this.keys, this.keyPrefix, checked);
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    checkTtl(ttlMs);
    const keys = this.keys;
    const fullKey = this.k(key);
    if (keys.lookup(fullKey) !== undefined) return null;
    const token = randomUUID();
    keys.put(fullKey, { kind: 'string', value: token }, ttlMs);
    const owned = (): boolean => {
      const value = this.keys.lookup(fullKey);
      return value?.kind === 'string' && value.value === token;
    };
    return {
      key,
      token,
      release: async () => owned() && this.keys.delete(fullKey),
      extend: async (ms: number) => {
        checkTtl(ms);
        return owned() && this.keys.setTtl(fullKey, ms);
      },
    };
  }

  singleFlight<T>(key: string, fn: () => Promise<T>, options?: SingleFlightOptions): Promise<T> {
    return this.flights.run(key, fn, options);
  }

  async streamAppend(
    stream: string,
    fields: Record<string, string>,
    options: StreamAppendOptions = {},
  ): Promise<string> {
    checkFields(fields);
    const maxLen = checkMaxLen(options);
    return this.streamAt(stream, true).append(fields, this.keys.now(), maxLen);
  }

  async streamAppendMany(
    stream: string,
    entries: readonly Record<string, string>[],
    options: StreamAppendOptions = {},
  ): Promise<string[]> {
    const maxLen = checkMaxLen(options);
    const checked = entries.map((fields) => Object.fromEntries(checkFields(fields)));
    if (checked.length === 0) return [];
    const target = this.streamAt(stream, true);
    const now = this.keys.now();
    return checked.map((fields) => target.append(fields, now, maxLen));
  }

  async streamEnsureGroup(stream: string, group: string): Promise<void> {
    this.streamAt(stream, true).ensureGroup(group);
  }

  async streamReadGroup(
    stream: string,
    group: string,
    consumer: string,
    options: StreamReadOptions = {},
  ): Promise<StreamEntry[]> {
    const count = checkCount(options.count, 100, 'count');
    const blockMs = checkDuration(options.blockMs, 'blockMs');
    const deadline = this.keys.now() + blockMs;
    for (;;) {
      const target = this.existingStream(stream);
      const entries = target.readGroup(group, consumer, count, this.keys.now());
      const left = deadline - this.keys.now();
      if (entries.length > 0 || left <= 0) return entries;
      await target.waitForAppend(left, this.closing.signal);
    }
  }

  async streamReadPending(
    stream: string,
    group: string,
    consumer: string,
    options: StreamPendingReadOptions = {},
  ): Promise<StreamEntry[]> {
    const count = checkCount(options.count, 100, 'count');
    const after = parseStreamId(checkStreamId(options.after ?? '0-0', 'after')) ?? ZERO;
    const target = this.existingStream(stream);
    return target.readPending(group, consumer, after, count, this.keys.now());
  }

  async streamAck(stream: string, group: string, ids: readonly string[]): Promise<number> {
    const checked = checkStreamIds(ids);
    return this.streamAt(stream, false)?.ack(group, checked) ?? 0;
  }

  async streamClaimIdle(
    stream: string,
    group: string,
    consumer: string,
    options: StreamClaimOptions,
  ): Promise<StreamEntry[]> {
    const minIdleMs = checkDuration(options.minIdleMs, 'minIdleMs');
    const count = checkCount(options.count, 100, 'count');
    return this.existingStream(stream).claimIdle(
      group,
      consumer,
      minIdleMs,
      count,
      this.keys.now(),
    );
  }

  async streamPendingCount(stream: string, group: string): Promise<number> {
    return this.existingStream(stream).pendingCount(group);
  }

  async streamTrimAcked(stream: string): Promise<number> {
    return this.streamAt(stream, false)?.trimAcked() ?? 0;
  }

  async streamLength(stream: string): Promise<number> {
    return this.streamAt(stream, false)?.length ?? 0;
  }

  async publish(channel: string, message: string): Promise<number> {
    this.assertOpen();
    return this.backend.bus.publish(this.k(channel), message);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.assertOpen();
    const full = this.k(channel);
    const bus = this.backend.bus;
    await this.subscriptions.add(full, handler, async () => bus.add(full, this.listener));
    return () =>
      this.subscriptions.remove(full, handler, async () => bus.remove(full, this.listener));
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    for (const channel of this.subscriptions.list())
      this.backend.bus.remove(channel, this.listener);
    this.subscriptions.clear();
  }

  private streamAt(stream: string, create: true): MemoryStream;
  private streamAt(stream: string, create: false): MemoryStream | undefined;
  private streamAt(stream: string, create: boolean): MemoryStream | undefined {
    const keys = this.keys;
    const existing = keys.stream(this.k(stream));
    if (existing || !create) return existing;
    const fresh = new MemoryStream();
    keys.put(this.k(stream), { kind: 'stream', stream: fresh }, undefined);
    return fresh;
  }

  private existingStream(stream: string): MemoryStream {
    const existing = this.streamAt(stream, false);
    if (!existing) throw NO_SUCH_STREAM(stream);
    return existing;
  }
}
