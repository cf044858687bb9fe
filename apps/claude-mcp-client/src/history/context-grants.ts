import { createHash, randomBytes } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';

/** The W3C baggage member that carries a grant through the gateway. */
export const GRANT_BAGGAGE_KEY = 'chat_grant';
const GRANT_SHAPE = /^[A-Za-z0-9_-]{32,64}$/;

const keyOf = (grant: string) => `grant:${createHash('sha256').update(grant, 'utf8').digest('hex')}`;

/**
 * Short-lived capabilities that scope `claude_context_search` to the user a chat exchange serves.
 *
 * The gateway forwards no end-user identity to its backends, but it does continue the caller's
 * W3C trace context, baggage included, into the backend call. So while an exchange runs, the chat
 * client holds a random 192-bit grant (stored hashed, `grant:{sha256}`, with the exchange's
 * deadline as TTL), sends it as the baggage member `chat_grant` on its own MCP requests, and
 * `GET /v1/context/search` resolves it back to the user. A grant cannot be forged, dies with
 * its exchange, and names one user only; a search without one sees nobody's conversations.
 */
export class ContextGrants {
  constructor(private readonly store: StateStore) {}

  /** Issues a grant for `user`, valid for `ttlMs` or until revoked. */
  async issue(user: string, ttlMs: number): Promise<string> {
    const grant = randomBytes(24).toString('base64url');
    await this.store.set(keyOf(grant), JSON.stringify({ user }), { ttlMs: Math.max(1, Math.ceil(ttlMs)) });
    return grant;
  }

  /** The user a grant was issued for; undefined for an unknown, expired or malformed grant. */
  async resolve(grant: string): Promise<string | undefined> {
    if (!GRANT_SHAPE.test(grant)) return undefined;
    const raw = await this.store.get(keyOf(grant));
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as { user?: unknown };
      return typeof value.user === 'string' ? value.user : undefined;
    } catch {
      return undefined;
    }
  }

  async revoke(grant: string): Promise<void> {
    await this.store.delete(keyOf(grant));
  }
}

/** The `chat_grant` member of a W3C `baggage` header (several headers are joined with `,`). */
export function grantFromBaggage(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value || value.length > 8192) return undefined;
  for (const member of value.split(',')) {
    const [pair] = member.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq < 0) continue;
    if (pair.slice(0, eq).trim() === GRANT_BAGGAGE_KEY) {
      // Grants are base64url: no percent-encoding to undo, anything else is not ours.
      const grant = pair.slice(eq + 1).trim();
      return GRANT_SHAPE.test(grant) ? grant : undefined;
    }
  }
  return undefined;
}
