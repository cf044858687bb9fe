import { randomBytes } from 'node:crypto';

/** An access token the simulator issued. */
export interface IssuedToken {
  accessToken: string;
  clientId: string;
  expiresAt: number;
}

const MAX_TOKENS = 50_000;

/** Issued access tokens, in memory: a restart invalidates them all, as a key rotation would. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(clientId: string, expiresInSeconds: number): IssuedToken {
    if (this.tokens.size >= MAX_TOKENS) this.purgeExpired();
    // Still full of live tokens (a client requesting in a loop): forget the oldest.
    while (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next();
      if (oldest.done) break;
      this.tokens.delete(oldest.value);
    }
    const token: IssuedToken = {
      accessToken: `sim_at_${randomBytes(24).toString('base64url')}`,
      clientId,
      expiresAt: this.now() + expiresInSeconds * 1000,
    };
    this.tokens.set(token.accessToken, token);
    return token;
  }

  /** The live token behind `accessToken`, or undefined when unknown or expired. */
  verify(accessToken: string): IssuedToken | undefined {
    const token = this.tokens.get(accessToken);
    if (!token) return undefined;
    if (this.now() >= token.expiresAt) {
      this.tokens.delete(accessToken);
      return undefined;
    }
    return token;
  }

  private purgeExpired(): void {
    const now = this.now();
    for (const [key, token] of this.tokens) if (now >= token.expiresAt) this.tokens.delete(key);
  }
}
