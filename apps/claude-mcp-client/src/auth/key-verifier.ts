import { createHash } from 'node:crypto';
import { chatErrors } from '../errors.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface KeyVerifierOptions {
  gatewayUrl: string;
  /** How long a verified key is trusted without asking the gateway again (0: every request). */
  cacheMs: number;
  /** How long the gateway is given to answer. */
  timeoutMs?: number;
  /** Most keys remembered (oldest forgotten first). */
  maxEntries?: number;
  fetch?: Fetch;
}

const NEGATIVE_CACHE_MS = 5000;
const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * Checks callers' API keys against the gateway, the one place that knows them: a key is valid
 * when the gateway's `GET /mcp/tools` accepts it (200). The gateway's 401 is ours; its 429 too;
 * anything else means it cannot tell, and the caller is refused with 503 (fail closed). Results
 * are remembered by key hash — valid ones for `cacheMs`, invalid ones for 5 s so a flood of bad
 * keys does not become a flood at the gateway — which bounds how long a revoked key still works.
 */
export class KeyVerifier {
  private readonly cache = new Map<string, { valid: boolean; until: number }>();

  constructor(private readonly options: KeyVerifierOptions) {}

  /** Resolves with the key's stable digest when valid; throws an HttpError otherwise. */
  async verify(key: string): Promise<string> {
    const hash = digest(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) {
      if (!cached.valid) throw chatErrors.invalidCredentials();
      return hash;
    }
    const valid = await this.ask(key);
    this.remember(hash, valid);
    if (!valid) throw chatErrors.invalidCredentials();
    return hash;
  }

  private async ask(key: string): Promise<boolean> {
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.gatewayUrl}/mcp/tools`, {
        headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
        // A redirect (an auth proxy's login page) is no verdict: followed, it could end in a 200.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (err) {
      throw chatErrors.authUnavailable(err);
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return true;
    if (response.status === 401 || response.status === 403) return false;
    if (response.status === 429) throw chatErrors.authRateLimited(Number(response.headers.get('retry-after')) || 1);
    throw chatErrors.authUnavailable();
  }

  private remember(hash: string, valid: boolean): void {
    const ttl = valid ? this.options.cacheMs : Math.min(this.options.cacheMs, NEGATIVE_CACHE_MS);
    if (ttl <= 0) return;
    this.cache.delete(hash);
    this.cache.set(hash, { valid, until: Date.now() + ttl });
    const max = this.options.maxEntries ?? 10_000;
    if (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
