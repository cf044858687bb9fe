import { silentLogger, type StateLogger } from './logger.js';
import { MemoryStateStore } from './memory-store.js';
import { redactUrl } from './redact-url.js';
import { RedisStateStore } from './redis-store.js';
import type { StateStore } from './state-store.js';

/** Options of {@link createStateStore}. */
export interface CreateStateStoreOptions {
  /** Redis URL (`REDIS_URL`); undefined selects the in-process memory store (single process only). */
  redisUrl?: string | undefined;
  /** Prefix of every key, stream and channel of this service, e.g. `gw:`. */
  keyPrefix: string;
  /** Budget of one command, including a wait for a reconnect; default 1000 ms. */
  commandTimeoutMs?: number;
  /** TCP connect timeout; default 2000 ms. */
  connectTimeoutMs?: number;
  /** Cap of the reconnect backoff (reconnects never stop, only their delay is bounded); default 2000 ms. */
  maxReconnectDelayMs?: number;
  /** Cap of the Redis connections kept for blocking stream reads; default 8. */
  maxBlockingConnections?: number;
  /** winston-compatible logger; connection state changes are logged (URL without password). */
  logger?: StateLogger;
}

/**
 * Creates the service's state store: Redis when `redisUrl` is set, otherwise the in-process
 * memory store. Returns at once; the Redis connection is made in the background (commands wait
 * for it within their timeout; use `ping()` for readiness).
 */
export function createStateStore(options: CreateStateStoreOptions): StateStore {
  const logger = options.logger ?? silentLogger;
  if (options.redisUrl === undefined) {
    logger.info('state store: in-process memory (single process only)', { store: 'memory' });
    return new MemoryStateStore({ keyPrefix: options.keyPrefix, logger });
  }
  logger.info('state store: redis', { store: 'redis', target: redactUrl(options.redisUrl) });
  return new RedisStateStore({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    logger,
    ...(options.commandTimeoutMs !== undefined && { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.maxReconnectDelayMs !== undefined && {
      maxReconnectDelayMs: options.maxReconnectDelayMs,
    }),
    ...(options.maxBlockingConnections !== undefined && {
      maxBlockingConnections: options.maxBlockingConnections,
    }),
  });
}
