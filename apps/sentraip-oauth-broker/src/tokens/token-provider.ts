import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@mcpgw/telemetry';
import { TokenError, type TokenFailure } from '../errors.js';
import type { LogThrottle } from '../log-throttle.js';
import type { BrokerMetrics } from '../metrics.js';
import type { IssuedToken } from '../sentraip/token-client.js';
import type { SharedTokenCache } from './shared-token-cache.js';
import type { HeldToken } from './token-lifetime.js';

/** Where new tokens come from (the token endpoint client); rejects with `TokenError`. */
export interface TokenSource {
  fetch(): Promise<IssuedToken>;
}

export interface TokenProviderOptions {
  /** Undefined when no client credentials are configured: every call fails with `not_configured`. */
  client: TokenSource | undefined;
  cache: SharedTokenCache;
  metrics: BrokerMetrics;
  logger: Logger;
  warn: LogThrottle;
  /** After a failed refresh, no replica asks SentraIP again for this long. */
  backoffMs: number;
  /** Renew tokens in the background before they expire. */
  refreshAhead: boolean;
  /** Worst case of one `client.fetch()`; the refresh lock outlives it. */
  fetchDeadlineMs: number;
  now?: () => number;
  random?: () => number;
}

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 200;

/**
 * Hands out SentraIP access tokens. The hot path is a memory read. A missing or expired token is
 * obtained once per process (callers share one promise) and once across replicas: the winner
 * of the shared refresh lock asks SentraIP and publishes the token; every other caller, here or
 * on another replica, picks the published token up instead of asking for its own. Tokens are
 * renewed in the background ahead of expiry (a timer per process, jittered; the lock and a
 * re-read under it make one replica do the work). A failed refresh starts a shared back-off
 * during which callers fail fast, and the current token stays in use until it really expires.
 */
export class TokenProvider {
  private held: HeldToken | undefined;
  private acquiring: Promise<HeldToken> | undefined;
  private localBackoff: { until: number; reason: TokenFailure } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly lockTtlMs: number;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.lockTtlMs = options.fetchDeadlineMs + 2_000;
    options.metrics.watchCachedTokens(() => this.cachedTokenCount());
  }

  /** An access token for the next SentraIP call; rejects with {@link TokenError}. */
  async getToken(): Promise<string> {
    const held = this.held;
    if (held && this.now() < held.softExpiry) return held.access_token;
    try {
      return (await this.acquire()).access_token;
    } catch (err) {
      // Keep the old token until it really expires when its renewal fails.
      const old = this.held;
      if (old && this.now() < old.hardExpiry) {
        this.options.warn.warn(
          'token-fallback',
          'SentraIP token renewal failed; using the current token until it expires',
          {
            reason: err instanceof TokenError ? err.reason : 'unknown',
          },
        );
        return old.access_token;
      }
      throw err;
    }
  }

  /** SentraIP refused `rejected` (401): forget it everywhere and obtain another one. */
  async renewAfterRejection(rejected: string): Promise<string> {
    if (this.held?.access_token === rejected) this.forget();
    await this.options.cache.discard(rejected);
    // A refresh already in flight may end with the very token that was refused: ask once more.
    for (let round = 0; ; round++) {
      const token = await this.acquire(rejected);
      if (token.access_token !== rejected || round >= 1) return token.access_token;
    }
  }

  /** Obtains a token at start-up so the first lookup does not wait; failures are only logged. */
  warmUp(): void {
    if (!this.options.client) return;
    this.getToken().catch(() => undefined);
  }

  /** Usable tokens held by this process (0 or 1): `cached_tokens_count`. */
  cachedTokenCount(): number {
    return this.held && this.now() < this.held.softExpiry ? 1 : 0;
  }

  /** Stops background refreshes (shutdown). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private acquire(reject?: string): Promise<HeldToken> {
    this.acquiring ??= this.coordinate(reject).finally(() => {
      this.acquiring = undefined;
    });
    return this.acquiring;
  }

  private async coordinate(reject: string | undefined): Promise<HeldToken> {
    if (!this.options.client) {
      throw new TokenError('not_configured', 'SentraIP client credentials are not configured');
    }
    const { cache } = this.options;
    const deadline = this.now() + this.lockTtlMs + 1_000;
    for (let pollMs = FIRST_POLL_MS; ; pollMs = Math.min(pollMs * 2, MAX_POLL_MS)) {
      const shared = await cache.read(this.now());
      if (shared && shared.access_token !== reject) return this.adopt(shared);
      const backoff = await this.backoffReason();
      if (backoff) {
        throw new TokenError(
          backoff,
          `SentraIP token endpoint failed recently (${backoff}); backing off`,
          true,
        );
      }
      const lock = await cache.lock(this.lockTtlMs);
      if (lock) {
        try {
          // The previous holder may have published between our read and our lock.
          const again = await cache.read(this.now());
          if (again && again.access_token !== reject) return this.adopt(again);
          return await this.fetchAndPublish();
        } finally {
          await lock.release().catch(() => undefined);
        }
      }
      if (this.now() >= deadline) {
        throw new TokenError(
          'coordination_timeout',
          'gave up waiting for another replica to refresh the SentraIP token',
        );
      }
      await sleep(pollMs);
    }
  }

  private async fetchAndPublish(): Promise<HeldToken> {
    const { client, cache, metrics, logger, backoffMs } = this.options;
    if (!client)
      throw new TokenError('not_configured', 'SentraIP client credentials are not configured');
    const started = performance.now();
    try {
      const issued = await client.fetch();
      metrics.tokenRefresh('success', (performance.now() - started) / 1000);
      const held = await cache.write(
        issued.access_token,
        issued.token_type,
        issued.expires_in,
        this.now(),
      );
      this.localBackoff = undefined;
      await cache.clearBackoff();
      logger.info('SentraIP token obtained', { expires_in: issued.expires_in });
      return this.adopt(held);
    } catch (err) {
      metrics.tokenRefresh('failure', (performance.now() - started) / 1000);
      const failure =
        err instanceof TokenError
          ? err
          : new TokenError('network', 'SentraIP token request failed unexpectedly');
      this.localBackoff = { until: this.now() + backoffMs, reason: failure.reason };
      await cache.startBackoff(failure.reason, backoffMs);
      logger.error('SentraIP token refresh failed', {
        code: failure.code,
        reason: failure.reason,
        detail: failure.message,
        backoff_ms: backoffMs,
      });
      throw failure;
    }
  }

  private async backoffReason(): Promise<TokenFailure | undefined> {
    const local = this.localBackoff;
    if (local && this.now() < local.until) return local.reason;
    return this.options.cache.backoff();
  }

  private adopt(token: HeldToken): HeldToken {
    this.held = token;
    this.schedule(token, token.refreshAt - this.now());
    return token;
  }

  private forget(): void {
    this.held = undefined;
    clearTimeout(this.timer);
  }

  private schedule(token: HeldToken, inMs: number): void {
    if (!this.options.refreshAhead || this.closed) return;
    clearTimeout(this.timer);
    // Up to 10 % earlier, so replicas holding the same token do not all wake at once.
    const delay = Math.max(0, Math.floor(inMs * (1 - this.random() * 0.1)));
    this.timer = setTimeout(() => void this.refreshAhead(token), delay);
    this.timer.unref();
  }

  private async refreshAhead(due: HeldToken): Promise<void> {
    if (this.closed || this.held !== due || this.acquiring) return;
    const { cache } = this.options;
    const retryIn = (ms: number) => {
      if (this.held === due && this.now() < due.softExpiry) this.schedule(due, ms);
    };
    if (await this.backoffReason()) return retryIn(this.options.backoffMs);
    const lock = await cache.lock(this.lockTtlMs);
    // Another replica is renewing: pick its token up shortly.
    if (!lock) return retryIn(Math.min(1_000, Math.max(100, (due.softExpiry - this.now()) / 4)));
    try {
      const shared = await cache.read(this.now());
      if (shared && shared.access_token !== due.access_token) {
        this.adopt(shared);
        return;
      }
      await this.fetchAndPublish();
    } catch {
      // Logged by fetchAndPublish; the current token stays in use and the renewal is retried.
      retryIn(this.options.backoffMs);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
