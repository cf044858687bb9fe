import type { StateStore } from '@mcpgw/state';
import type { TokenFailure } from '../errors.js';
import type { LogThrottle } from '../log-throttle.js';
import {
  holdToken,
  parseStoredToken,
  sharedTtlMs,
  type HeldToken,
  type StoredToken,
} from './token-lifetime.js';

/** A held refresh lock, or the stand-in used while the store is unreachable. */
export interface RefreshLock {
  release(): Promise<unknown>;
}

const TOKEN_FAILURES: ReadonlySet<string> = new Set<TokenFailure>([
  'not_configured',
  'invalid_client',
  'rejected',
  'server_error',
  'timeout',
  'network',
  'rate_limited',
  'invalid_response',
  'coordination_timeout',
]);

/**
 * The token state shared by every replica, under the store's prefix (`brk:`):
 * `oauth:token:{client_id}` (the token, TTL `expires_in − 60 s`), `oauth:refresh-lock:{client_id}`
 * (one replica refreshes at a time) and `oauth:refresh-backoff:{client_id}` (a failed refresh
 * makes every replica wait before asking SentraIP again). Store failures never escape: reads
 * answer "nothing there", writes are dropped, and the lock is granted, so an unreachable store
 * degrades to per-process coordination instead of failing lookups.
 */
export class SharedTokenCache {
  readonly tokenKey: string;
  readonly lockKey: string;
  readonly backoffKey: string;

  constructor(
    private readonly store: StateStore,
    clientId: string,
    private readonly warn: LogThrottle,
  ) {
    this.tokenKey = `oauth:token:${clientId}`;
    this.lockKey = `oauth:refresh-lock:${clientId}`;
    this.backoffKey = `oauth:refresh-backoff:${clientId}`;
  }

  /** The shared token, if there is one still within its TTL. */
  async read(now = Date.now()): Promise<HeldToken | undefined> {
    try {
      const stored = parseStoredToken(await this.store.get(this.tokenKey));
      if (!stored) return undefined;
      const ttl = await this.store.ttlMs(this.tokenKey);
      if (ttl === null || ttl <= 0) return undefined;
      return holdToken(stored, ttl, now);
    } catch (err) {
      this.storeDown('read', err);
      return undefined;
    }
  }

  /** Publishes a new token for every replica and returns it as held by this process. */
  async write(
    accessToken: string,
    tokenType: string,
    expiresInSeconds: number,
    now = Date.now(),
  ): Promise<HeldToken> {
    const stored: StoredToken = {
      access_token: accessToken,
      expires_at: now + expiresInSeconds * 1000,
      token_type: tokenType,
    };
    const ttlMs = sharedTtlMs(expiresInSeconds);
    try {
      await this.store.set(this.tokenKey, JSON.stringify(stored), { ttlMs });
    } catch (err) {
      this.storeDown('write', err);
    }
    return holdToken(stored, ttlMs, now);
  }

  /** Deletes the shared token if it is still `accessToken` (SentraIP refused it). */
  async discard(accessToken: string): Promise<void> {
    try {
      const stored = parseStoredToken(await this.store.get(this.tokenKey));
      // A replica may already have replaced it; never delete a newer token.
      if (stored?.access_token === accessToken) await this.store.delete(this.tokenKey);
    } catch (err) {
      this.storeDown('discard', err);
    }
  }

  async lock(ttlMs: number): Promise<RefreshLock | null> {
    try {
      return await this.store.acquireLock(this.lockKey, ttlMs);
    } catch (err) {
      this.storeDown('lock', err);
      return { release: async () => true };
    }
  }

  /** The reason of a refresh failure within the back-off window, if any. */
  async backoff(): Promise<TokenFailure | undefined> {
    try {
      const value = await this.store.get(this.backoffKey);
      if (value === null) return undefined;
      return TOKEN_FAILURES.has(value) ? (value as TokenFailure) : 'server_error';
    } catch (err) {
      this.storeDown('backoff', err);
      return undefined;
    }
  }

  async startBackoff(reason: TokenFailure, ms: number): Promise<void> {
    try {
      await this.store.set(this.backoffKey, reason, { ttlMs: ms });
    } catch (err) {
      this.storeDown('backoff', err);
    }
  }

  async clearBackoff(): Promise<void> {
    try {
      await this.store.delete(this.backoffKey);
    } catch (err) {
      this.storeDown('backoff', err);
    }
  }

  private storeDown(operation: string, err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    this.warn.warn(
      `token-store-${operation}`,
      'token store unavailable, coordinating in this process only',
      {
        operation,
        code: typeof code === 'string' ? code : 'unknown',
      },
    );
  }
}
