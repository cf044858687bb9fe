/** The JSON kept at `oauth:token:{client_id}` (the contract of the architecture brief). */
export interface StoredToken {
  access_token: string;
  /** When SentraIP stops accepting the token, epoch milliseconds. */
  expires_at: number;
  token_type: string;
}

/** A token held in process memory, with the moments that drive its use and renewal. */
export interface HeldToken extends StoredToken {
  /** Stop using it for new calls from here on (the shared copy's TTL ends here too). */
  readonly softExpiry: number;
  /** Renew it in the background from here on. */
  readonly refreshAt: number;
  /** After a failed renewal, the old token is still used until this moment (just before `expires_at`). */
  readonly hardExpiry: number;
}

/** The safety margin before expiry: 60 s, or half the lifetime of a short-lived (test) token. */
export function expirySkewMs(expiresInSeconds: number): number {
  return Math.min(60_000, Math.floor((expiresInSeconds * 1000) / 2));
}

/** TTL of the shared copy: `expires_in − 60 s` (`expires_in / 2` below two minutes), at least 1 ms. */
export function sharedTtlMs(expiresInSeconds: number): number {
  return Math.max(1, expiresInSeconds * 1000 - expirySkewMs(expiresInSeconds));
}

/** Share of the remaining usable life after which a background refresh starts. */
export const REFRESH_AT_FRACTION = 0.75;

/**
 * Derives a held token from its stored form and the time left on the shared copy (`ttlMs`),
 * so every replica agrees on the soft expiry whenever it read the token. A TTL of Infinity (a
 * copy written without TTL) falls back to a 60 s skew before `expires_at`.
 */
export function holdToken(stored: StoredToken, ttlMs: number, now: number): HeldToken {
  const lifeLeft = Math.max(0, stored.expires_at - now);
  const usable = Number.isFinite(ttlMs)
    ? Math.min(ttlMs, lifeLeft)
    : Math.max(0, lifeLeft - 60_000);
  return {
    ...stored,
    softExpiry: now + usable,
    refreshAt: now + Math.floor(usable * REFRESH_AT_FRACTION),
    // Clock skew between us and SentraIP: stop a little before its own expiry.
    hardExpiry: stored.expires_at - Math.min(5_000, Math.floor(lifeLeft / 10)),
  };
}

/** Parses the shared JSON; undefined for anything that is not a well-formed token record. */
export function parseStoredToken(raw: string | null): StoredToken | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<StoredToken>;
    if (
      typeof value.access_token === 'string' &&
      value.access_token.length > 0 &&
      typeof value.expires_at === 'number' &&
      Number.isFinite(value.expires_at) &&
      typeof value.token_type === 'string'
    ) {
      return {
        access_token: value.access_token,
        expires_at: value.expires_at,
        token_type: value.token_type,
      };
    }
  } catch {
    // A corrupt record is treated as absent and overwritten by the next refresh.
  }
  return undefined;
}
