import { StoreUnavailableError } from './errors.js';
import type { RedisConnection } from './redis-connection.js';

const MAX_IDLE = 4;

/**
 * Dedicated connections for blocking reads (XREADGROUP BLOCK). A blocked command holds its
 * connection, so it must never share the main one (it would stall every other command) nor
 * another blocked reader (the second would wait for the first). A connection whose read failed
 * as unavailable may still have that read outstanding on the server, so it is dropped.
 */
export class BlockingPool {
  private readonly idle: RedisConnection[] = [];
  private readonly open = new Set<RedisConnection>();
  private closed = false;

  constructor(private readonly create: () => RedisConnection) {}

  async use<T>(fn: (connection: RedisConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('closed');
    const connection = this.idle.pop() ?? this.track(this.create());
    let healthy = true;
    try {
      return await fn(connection);
    } catch (err) {
      healthy = !(err instanceof StoreUnavailableError);
      throw err;
    } finally {
      if (healthy && !this.closed && this.idle.length < MAX_IDLE) this.idle.push(connection);
      else await this.discard(connection);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.open].map((connection) => this.discard(connection)));
  }

  private track(connection: RedisConnection): RedisConnection {
    this.open.add(connection);
    return connection;
  }

  private async discard(connection: RedisConnection): Promise<void> {
    this.open.delete(connection);
    await connection.close();
  }
}
