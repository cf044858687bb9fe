import type { Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from './errors.js';
import type { StateLogger } from './logger.js';
import { toStateStoreError } from './redis-errors.js';

/** Connection settings shared by the main, subscriber and blocking-read connections. */
export interface RedisConnectionSettings {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
}

const FIRST_RECONNECT_DELAY_MS = 50;

/**
 * Reconnect delay for attempt `attempt` (1-based): exponential from 50 ms, capped at `maxDelayMs`,
 * with "equal jitter" (between half and all of it) so replicas do not reconnect in lockstep.
 * Reconnection never stops: a store outlives any Redis outage, only the delay is bounded.
 */
export function reconnectDelay(
  attempt: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(maxDelayMs, FIRST_RECONNECT_DELAY_MS * 2 ** exponent);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/**
 * ioredis options for failing fast: no offline queue (a command on a disconnected client fails
 * instead of queueing without bound), a per-command timeout, no re-sending of commands that were
 * in flight when the connection dropped (their callers already got an error; re-running INCRBY
 * or XADD would apply it twice), and endless reconnects with bounded delay.
 */
export function redisOptions(settings: RedisConnectionSettings): RedisOptions {
  return {
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: (attempt: number) => reconnectDelay(attempt, settings.maxReconnectDelayMs),
  };
}

/** The one wait for `ready` that every command of an outage shares. */
interface ReadyWait {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function readyWait(): ReadyWait {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Waiters race it against their own deadline; one that rejects with nobody waiting is fine.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * One ioredis client with the store's failure contract: {@link run} settles within its time
 * budget, with a {@link StoreUnavailableError} if Redis is unreachable. During the first
 * `commandTimeoutMs` of an outage a command waits for the reconnect (a failover blip costs
 * latency, not errors); after that commands fail at once instead of each burning the timeout.
 * All commands waiting in one outage share one promise, resolved by the client's single `ready`
 * listener, so a burst of commands during an outage adds no listeners to the client.
 */
export class RedisConnection {
  private downSince: number | undefined;
  private connected = false;
  private everConnected = false;
  private errorLogged = false;
  private closed = false;
  private ready: ReadyWait | undefined;

  constructor(
    readonly client: Redis,
    private readonly commandTimeoutMs: number,
    private readonly logger: StateLogger,
    private readonly logMeta: Record<string, string>,
  ) {
    client.on('ready', () => {
      this.downSince = undefined;
      this.connected = true;
      this.errorLogged = false;
      this.logger.info(
        this.everConnected ? 'state store reconnected' : 'state store connected',
        this.logMeta,
      );
      this.everConnected = true;
      this.ready?.resolve();
      // The next outage gets a fresh promise; this one stays resolved for its late readers.
      this.ready = undefined;
    });
    client.on('close', () => {
      this.downSince ??= Date.now();
      if (this.connected && !this.closed)
        this.logger.warn('state store connection lost', this.logMeta);
      this.connected = false;
    });
    // Without a listener ioredis prints every reconnect failure; we log the first of each outage.
    client.on('error', (err: Error) => {
      if (this.errorLogged || this.closed) return;
      this.errorLogged = true;
      this.logger.warn('state store connection error', { ...this.logMeta, error: err.message });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `op` once the client is ready, all within `timeoutMs`; errors mapped to this lib's. */
  async run<T>(op: (client: Redis) => Promise<T>, timeoutMs = this.commandTimeoutMs): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('closed');
    const deadline = Date.now() + timeoutMs;
    try {
      if (this.client.status !== 'ready') await this.waitReady(deadline);
      return await withDeadline(op(this.client), deadline);
    } catch (err) {
      throw toStateStoreError(err);
    }
  }

  /** QUIT (bounded), then drop the socket; later {@link run} calls fail with `closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready?.reject(new StoreUnavailableError('closed'));
    this.ready = undefined;
    if (this.client.status === 'ready') {
      await withDeadline(this.client.quit(), Date.now() + this.commandTimeoutMs).catch(
        () => undefined,
      );
    }
    this.client.disconnect();
  }

  private waitReady(deadline: number): Promise<void> {
    const outageMs = this.downSince === undefined ? 0 : Date.now() - this.downSince;
    if (this.client.status === 'end' || outageMs >= this.commandTimeoutMs) {
      return Promise.reject(new StoreUnavailableError('disconnected'));
    }
    this.ready ??= readyWait();
    return withDeadline(this.ready.promise, deadline, 'disconnected');
  }
}

/** Settles like `promise`, or rejects with a StoreUnavailableError (`reason`) at `deadline`. */
export function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  reason: 'timeout' | 'disconnected' = 'timeout',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(reason)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
