import { describe, expect, it } from 'vitest';
import { KeyVerifier } from './key-verifier.js';

function gateway(statuses: number[]) {
  const calls: string[] = [];
  const fetch = (url: string | URL, init?: RequestInit) => {
    calls.push(`${String(url)} ${new Headers(init?.headers).get('authorization')}`);
    const status = statuses.shift() ?? 500;
    return Promise.resolve(new Response('{}', { status, headers: status === 429 ? { 'retry-after': '7' } : {} }));
  };
  return { calls, fetch };
}

describe('KeyVerifier', () => {
  it('asks the gateway once and remembers a valid key', async () => {
    const gw = gateway([200]);
    const verifier = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 60_000, fetch: gw.fetch });
    const first = await verifier.verify('mcpgw_key_1');
    expect(await verifier.verify('mcpgw_key_1')).toBe(first);
    expect(gw.calls).toEqual(['http://gw/mcp/tools Bearer mcpgw_key_1']);
    expect(first).toMatch(/^[a-f0-9]{64}$/);
  });

  it('refuses a key the gateway refuses, and remembers that briefly', async () => {
    const gw = gateway([401]);
    const verifier = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 60_000, fetch: gw.fetch });
    await expect(verifier.verify('bad')).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify('bad')).rejects.toMatchObject({ status: 401 });
    expect(gw.calls).toHaveLength(1);
  });

  it('passes on the gateway rate limit, and fails closed when the gateway cannot tell', async () => {
    const gw = gateway([429, 500]);
    const verifier = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 60_000, fetch: gw.fetch });
    await expect(verifier.verify('k')).rejects.toMatchObject({ status: 429, options: { headers: { 'Retry-After': '7' } } });
    await expect(verifier.verify('k')).rejects.toMatchObject({ status: 503, code: 'CHAT_ERR_AUTH_UNAVAILABLE' });
    const down = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 60_000, fetch: () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(down.verify('k')).rejects.toMatchObject({ status: 503 });
  });

  it('asks every time with caching off, and forgets the oldest keys beyond its size', async () => {
    const gw = gateway([200, 200, 200, 200, 200]);
    const uncached = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 0, fetch: gw.fetch });
    await uncached.verify('k');
    await uncached.verify('k');
    expect(gw.calls).toHaveLength(2);
    const small = new KeyVerifier({ gatewayUrl: 'http://gw', cacheMs: 60_000, maxEntries: 1, fetch: gw.fetch });
    await small.verify('a');
    await small.verify('b');
    await small.verify('a');
    expect(gw.calls).toHaveLength(5);
  });
});
