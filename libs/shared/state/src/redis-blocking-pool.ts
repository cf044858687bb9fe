import { StoreUnavailableError } from './errors.js';

/** What the pool needs of a connection (a `RedisConnection` in production). */
export interface PooledConnection {
  close(): Promise<void>;
}

/** Limits of a {@link BlockingPool}. */
export interface BlockingPoolLimits {
  /** Connections open at once, busy or idle. */
  maxConnections: number;
  /** How long a caller may wait for a free connection when all are busy. */
  waitTimeoutMs: number;
}

/** Default cap of open blocking connections per store. */
export const DEFAULT_MAX_BLOCKING_CONNECTIONS = 8;

const MAX_IDLE = 4;

interface Waiter<C> {
  resolve(connection: C): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Dedicated connections for blocking reads (XREADGROUP BLOCK). A blocked command holds its
 * connection, so it must never share the main one (it would stall every other command) nor
 * another blocked reader (the second would wait for the first). A connection whose read failed
 * as unavailable may still have that read outstanding on the server, so it is dropped.
 *
 * At most `maxConnections` are open: each is a server-side client, and a burst of readers must
 * not exhaust Redis' `maxclients`. Beyond the cap a caller waits (first come, first served) for
 * a free connection, at most `waitTimeoutMs`, then fails with `blocking_pool_exhausted`.
 */
export class BlockingPool<C extends PooledConnection> {
  private readonly idle: C[] = [];
  private readonly open = new Set<C>();
  private readonly waiters: Array<Waiter<C>> = [];
  private readonly maxIdle: number;
  private closed = false;

  constructor(
    private readonly create: () => C,
    private readonly limits: BlockingPoolLimits,
  ) {
    this.maxIdle = Math.min(MAX_IDLE, limits.maxConnections);
  }

  /** Connections open now (busy or idle). */
  get size(): number {
    return this.open.size;
  }

  /** Callers waiting for a free connection. */
  get waiting(): number {
    return this.waiters.length;
  }

  async use<T>(fn: (connection: C) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    let healthy = true;
    try {
      return await fn(connection);
    } catch (err) {
      healthy = !(err instanceof StoreUnavailableError);
      throw err;
    } finally {
      await this.release(connection, healthy);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new StoreUnavailableError('closed'));
    }
    await Promise.all([...this.open].map((connection) => this.discard(connection)));
  }

  private acquire(): Promise<C> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('closed'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.open.size < this.limits.maxConnections) return Promise.resolve(this.track());
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new StoreUnavailableError('blocking_pool_exhausted'));
        }, this.limits.waitTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private async release(connection: C, healthy: boolean): Promise<void> {
    if (healthy && !this.closed) {
      const waiter = this.waiters.shift();
      if (waiter) {
        this.handOver(waiter, connection);
        return;
      }
      if (this.idle.length < this.maxIdle) {
        this.idle.push(connection);
        return;
      }
    }
    const closing = this.discard(connection);
    // The discarded connection's slot is free again: a waiter gets a new connection in it.
    const waiter = this.closed ? undefined : this.waiters.shift();
    if (waiter) this.handOver(waiter, this.track());
    await closing;
  }

  private handOver(waiter: Waiter<C>, connection: C): void {
    clearTimeout(waiter.timer);
    waiter.resolve(connection);
  }

  private track(): C {
    const connection = this.create();
    this.open.add(connection);
    return connection;
  }

  private async discard(connection: C): Promise<void> {
    this.open.delete(connection);
    await connection.close();
  }
}
