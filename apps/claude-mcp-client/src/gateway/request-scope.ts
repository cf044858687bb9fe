import { AsyncLocalStorage } from 'node:async_hooks';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import { GRANT_BAGGAGE_KEY } from '../history/context-grants.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

const scope = new AsyncLocalStorage<{ grant?: string }>();

/** Runs `fn` so that every gateway request it makes carries `grant` (see {@link ContextGrants}). */
export function withGatewayGrant<T>(grant: string | undefined, fn: () => Promise<T>): Promise<T> {
  return scope.run({ grant }, fn);
}

/**
 * The fetch the MCP transport uses: adds the active trace context (`traceparent`, `baggage`) and,
 * inside {@link withGatewayGrant}, the exchange's grant as one more baggage member. The grant
 * rides on the request's own async context, so one shared MCP client serves every user at once.
 */
export function scopedFetch(base: Fetch = fetch): Fetch {
  return (url, init) => {
    const headers = new Headers(init?.headers);
    const carrier: Record<string, string> = {};
    injectTraceHeaders(carrier);
    for (const [name, value] of Object.entries(carrier)) if (name !== 'baggage') headers.set(name, value);
    const grant = scope.getStore()?.grant;
    // Baggage inherited from our own caller must never carry a grant of its choosing.
    const inherited = (carrier['baggage'] ?? '').split(',').filter((m) => m.trim() && m.split('=')[0]?.trim() !== GRANT_BAGGAGE_KEY);
    const members = [...inherited, ...(grant ? [`${GRANT_BAGGAGE_KEY}=${grant}`] : [])];
    if (members.length) headers.set('baggage', members.join(','));
    return base(url, { ...init, headers });
  };
}
