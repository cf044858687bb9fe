import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { invalidArgument, StoreUnavailableError } from './errors.js';
import { silentLogger, type StateLogger } from './logger.js';
import { redactUrl } from './redact-url.js';
import { BlockingPool, DEFAULT_MAX_BLOCKING_CONNECTIONS } from './redis-blocking-pool.js';
import { RedisConnection, redisOptions, type RedisConnectionSettings } from './redis-connection.js';
import { readPending } from './redis-pending-read.js';
import { parseAutoClaim, parsePendingCount, parseReadGroup } from './redis-replies.js';
import { ADMIT, STREAM_APPEND_MANY } from './redis-admission-scripts.js';
import { admitScriptArgs, appendManyArgs, parseAdmitReply } from './redis-admission.js';
import {
  EXTEND_LOCK,
  INCR_WITH_TTL,
  TRIM_ACKED,
  RELEASE_LOCK,
  runScript,
  TAKE_TOKENS,
} from './redis-scripts.js';
import { SingleFlight } from './single-flight.js';
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

/** Options of {@link RedisStateStore}. */
export interface RedisStateStoreOptions extends Partial<RedisConnectionSettings> {
  /** `redis://` or `rediss://` URL (credentials allowed; they are never logged). */
  redisUrl: string;
  keyPrefix?: string;
  logger?: StateLogger;
  /**
   * Cap of the connections kept for blocking stream reads (each a Redis client while open);
   * default 8. A blocking read beyond it waits up to `commandTimeoutMs` for one to free up.
   */
  maxBlockingConnections?: number;
}

/** Defaults of the connection settings (ms). */
export const REDIS_DEFAULTS: Readonly<RedisConnectionSettings> = Object.freeze({
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 2_000,
  maxReconnectDelayMs: 2_000,
});

const never = (n: number): number => (n < 0 ? Infinity : n);

/**
 * The Redis {@link StateStore} (ioredis, single node). Three kinds of connection: the main one
 * for commands, a subscriber created on the first `subscribe` (ioredis resubscribes after a
 * reconnect), and a small pool for blocking stream reads. Each script touches one key; the
 * single-flight keys share a `{hash tag}`, so the key layout is Redis Cluster safe — except
 * `admit`, whose keys span hash slots unless the caller gives them one hash tag.
 */
export class RedisStateStore implements StateStore {
  readonly kind = 'redis';
  readonly keyPrefix: string;
  private readonly settings: RedisConnectionSettings;
  private readonly logger: StateLogger;
  private readonly target: string;
  private readonly main: RedisConnection;
  private readonly blocking: BlockingPool<RedisConnection>;
  private subscriber: RedisConnection | undefined;
  private readonly subscriptions: Subscriptions;
  private readonly flights = new SingleFlight(this);

  constructor(options: RedisStateStoreOptions) {
    const { redisUrl } = options;
    if (!/^rediss?:\/\//.test(redisUrl))
      throw invalidArgument(`not a redis:// URL: ${redactUrl(redisUrl)}`);
    this.keyPrefix = options.keyPrefix ?? '';
    this.logger = options.logger ?? silentLogger;
    this.settings = {
      commandTimeoutMs: checkTtl(
        options.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
        'commandTimeoutMs',
      ),
      connectTimeoutMs: checkTtl(
        options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
        'connectTimeoutMs',
      ),
      maxReconnectDelayMs: checkTtl(
        options.maxReconnectDelayMs ?? REDIS_DEFAULTS.maxReconnectDelayMs,
        'maxReconnectDelayMs',
      ),
    };
    // Validated before any connection exists, so a bad value leaks no client.
    const maxBlockingConnections = checkCount(
      options.maxBlockingConnections,
      DEFAULT_MAX_BLOCKING_CONNECTIONS,
      'maxBlockingConnections',
    );
    this.target = redactUrl(redisUrl);
    this.subscriptions = new Subscriptions(this.logger);
    this.main = this.connection(new Redis(redisUrl, redisOptions(this.settings)), 'main');
    // Blocking reads get their own deadline (blockMs + commandTimeoutMs) in streamReadGroup.
    this.blocking = new BlockingPool(
      () => this.connection(this.main.client.duplicate({ commandTimeout: undefined }), 'blocking'),
      {
        maxConnections: maxBlockingConnections,
        waitTimeoutMs: this.settings.commandTimeoutMs,
      },
    );
  }

  private connection(client: Redis, role: string): RedisConnection {
    return new RedisConnection(client, this.settings.commandTimeoutMs, this.logger, {
      store: 'redis',
      role,
      target: this.target,
    });
  }

  private k(key: string): string {
    return this.keyPrefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.main.run((c) => c.get(this.k(key)));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const args: Array<string | number> = [this.k(key), value];
    if (options.ttlMs !== undefined) args.push('PX', checkTtl(options.ttlMs));
    if (options.onlyIfAbsent) args.push('NX');
    return (await this.main.run((c) => c.call('SET', ...args))) === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.main.run((c) => c.del(this.k(key)))) > 0;
  }

  async incrBy(key: string, by: number, options: IncrByOptions = {}): Promise<number> {
    checkIncrement(by);
    if (options.ttlMs === undefined) return this.main.run((c) => c.incrby(this.k(key), by));
    const ttl = checkTtl(options.ttlMs);
    return Number(
      await this.main.run((c) => runScript(c, INCR_WITH_TTL, [this.k(key)], [by, ttl])),
    );
  }

  async ttlMs(key: string): Promise<number | null> {
    const ttl = await this.main.run((c) => c.pttl(this.k(key)));
    return ttl === -2 ? null : ttl === -1 ? Infinity : ttl;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    return (await this.main.run((c) => c.pexpire(this.k(key), ttlMs))) === 1;
  }

  async hashIncrBy(key: string, field: string, by: number): Promise<number> {
    checkIncrement(by);
    return this.main.run((c) => c.hincrby(this.k(key), field, by));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return this.main.run((c) => c.hgetall(this.k(key)));
  }

  async takeTokens(key: string, options: TokenBucketOptions): Promise<TokenBucketResult> {
    const { capacity, refillPerSecond, cost } = checkBucket(options);
    const reply = await this.main.run((c) =>
      runScript(c, TAKE_TOKENS, [this.k(key)], [capacity, refillPerSecond, cost]),
    );
    const [allowed, remaining, retryAfterMs, resetMs] = (reply as unknown[]).map(Number);
    return {
      allowed: allowed === 1,
      remaining: remaining ?? 0,
      retryAfterMs: never(retryAfterMs ?? -1),
      resetMs: never(resetMs ?? -1),
    };
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    const checked = checkAdmission(request);
    const { keys, args } = admitScriptArgs(checked, this.keyPrefix);
    const reply = await this.main.run((c) => runScript(c, ADMIT, keys, args));
    return parseAdmitReply(reply, checked);
  }

  async acquireLock(key: string, ttlMs: number): Promise<Lock | null> {
    checkTtl(ttlMs);
    const fullKey = this.k(key);
    const token = randomUUID();
    const reply = await this.main.run((c) => c.call('SET', fullKey, token, 'PX', ttlMs, 'NX'));
    if (reply !== 'OK') return null;
    return {
      key,
      token,
      release: async () =>
        Number(await this.main.run((c) => runScript(c, RELEASE_LOCK, [fullKey], [token]))) === 1,
      extend: async (ms: number) => {
        checkTtl(ms);
        return (
          Number(await this.main.run((c) => runScript(c, EXTEND_LOCK, [fullKey], [token, ms]))) ===
          1
        );
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
    const flat = checkFields(fields).flat();
    const maxLen = checkMaxLen(options);
    const trim = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
    return String(
      await this.main.run((c) => c.call('XADD', this.k(stream), ...trim, '*', ...flat)),
    );
  }

  async streamAppendMany(
    stream: string,
    entries: readonly Record<string, string>[],
    options: StreamAppendOptions = {},
  ): Promise<string[]> {
    const maxLen = checkMaxLen(options);
    const checked = entries.map(checkFields);
    if (checked.length === 0) return [];
    const reply = await this.main.run((c) =>
      runScript(c, STREAM_APPEND_MANY, [this.k(stream)], appendManyArgs(checked, maxLen)),
    );
    return (reply as unknown[]).map(String);
  }

  async streamEnsureGroup(stream: string, group: string): Promise<void> {
    await this.main.run((c) =>
      c.call('XGROUP', 'CREATE', this.k(stream), group, '0', 'MKSTREAM').catch((err: unknown) => {
        // Idempotent by design: an existing group is what the caller wanted.
        if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return 'OK';
        throw err;
      }),
    );
  }

  async streamReadGroup(
    stream: string,
    group: string,
    consumer: string,
    options: StreamReadOptions = {},
  ): Promise<StreamEntry[]> {
    const count = checkCount(options.count, 100, 'count');
    const blockMs = checkDuration(options.blockMs, 'blockMs');
    const head = ['GROUP', group, consumer, 'COUNT', count];
    const tail = ['STREAMS', this.k(stream), '>'];
    if (blockMs === 0)
      return parseReadGroup(await this.main.run((c) => c.call('XREADGROUP', ...head, ...tail)));
    const reply = await this.blocking.use((connection) =>
      connection.run(
        (c) => c.call('XREADGROUP', ...head, 'BLOCK', blockMs, ...tail),
        blockMs + this.settings.commandTimeoutMs,
      ),
    );
    return parseReadGroup(reply);
  }

  async streamReadPending(
    stream: string,
    group: string,
    consumer: string,
    options: StreamPendingReadOptions = {},
  ): Promise<StreamEntry[]> {
    const count = checkCount(options.count, 100, 'count');
    const after = checkStreamId(options.after ?? '0-0', 'after');
    return readPending(this.main, { key: this.k(stream), group, consumer }, after, count);
  }

  async streamAck(stream: string, group: string, ids: readonly string[]): Promise<number> {
    const checked = checkStreamIds(ids);
    if (checked.length === 0) return 0;
    return Number(await this.main.run((c) => c.call('XACK', this.k(stream), group, ...checked)));
  }

  async streamClaimIdle(
    stream: string,
    group: string,
    consumer: string,
    options: StreamClaimOptions,
  ): Promise<StreamEntry[]> {
    const minIdleMs = checkDuration(options.minIdleMs, 'minIdleMs');
    const count = checkCount(options.count, 100, 'count');
    const reply = await this.main.run((c) =>
      c.call('XAUTOCLAIM', this.k(stream), group, consumer, minIdleMs, '0-0', 'COUNT', count),
    );
    return parseAutoClaim(reply);
  }

  async streamPendingCount(stream: string, group: string): Promise<number> {
    return parsePendingCount(await this.main.run((c) => c.call('XPENDING', this.k(stream), group)));
  }

  async streamTrimAcked(stream: string): Promise<number> {
    return Number(await this.main.run((c) => runScript(c, TRIM_ACKED, [this.k(stream)], [])));
  }

  async streamLength(stream: string): Promise<number> {
    return this.main.run((c) => c.xlen(this.k(stream)));
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.main.run((c) => c.publish(this.k(channel), message));
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const connection = this.subscriberConnection();
    const full = this.k(channel);
    await this.subscriptions.add(full, handler, async () => {
      await connection.run((c) => c.subscribe(full));
    });
    return () =>
      this.subscriptions.remove(full, handler, async () => {
        await connection
          .run((c) => c.unsubscribe(full))
          .catch((err: unknown) => {
            // No handler is left, so stray messages are dropped; the server side ends with the connection.
            this.logger.warn('state store unsubscribe failed', {
              channel: full,
              error: String(err),
            });
          });
      });
  }

  async ping(): Promise<void> {
    await this.main.run((c) => c.ping());
  }

  async close(): Promise<void> {
    this.subscriptions.clear();
    await Promise.all([this.subscriber?.close(), this.blocking.close(), this.main.close()]);
  }

  private subscriberConnection(): RedisConnection {
    if (this.subscriber) return this.subscriber;
    // Checked here because the main connection's closed flag is not consulted before subscribing.
    if (this.main.isClosed) throw new StoreUnavailableError('closed');
    const connection = this.connection(this.main.client.duplicate(), 'subscriber');
    connection.client.on('message', (channel: string, message: string) =>
      this.subscriptions.dispatch(channel, message),
    );
    this.subscriber = connection;
    return connection;
  }
}
