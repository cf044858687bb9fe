import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { ContextGrants, grantFromBaggage } from './context-grants.js';

const stores: MemoryStateStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function grants() {
  const store = new MemoryStateStore({ keyPrefix: 'chat:' });
  stores.push(store);
  return { store, grants: new ContextGrants(store) };
}

describe('ContextGrants', () => {
  it('resolves an issued grant to its user until it is revoked', async () => {
    const { grants: g } = grants();
    const grant = await g.issue('key:alice', 60_000);
    expect(grant).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await g.resolve(grant)).toBe('key:alice');
    await g.revoke(grant);
    expect(await g.resolve(grant)).toBeUndefined();
  });

  it('stores only a hash of the grant, with the TTL given', async () => {
    const { store, grants: g } = grants();
    const grant = await g.issue('key:alice', 30_000);
    expect(await store.get(`grant:${grant}`)).toBeNull();
    const { createHash } = await import('node:crypto');
    const key = `grant:${createHash('sha256').update(grant).digest('hex')}`;
    expect(await store.ttlMs(key)).toBeGreaterThan(25_000);
  });

  it('resolves nothing for unknown, expired or malformed grants', async () => {
    const { grants: g } = grants();
    const grant = await g.issue('key:alice', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await g.resolve(grant)).toBeUndefined();
    expect(await g.resolve('A'.repeat(32))).toBeUndefined();
    expect(await g.resolve('short')).toBeUndefined();
    expect(await g.resolve('../../etc/passwd-and-more-characters-here')).toBeUndefined();
  });
});

describe('grantFromBaggage', () => {
  const grant = 'abcdefghijklmnopqrstuvwxyz012345';
  it.each([
    [`chat_grant=${grant}`, grant],
    [`k1=v1, chat_grant=${grant};prop=1 , k2=v2`, grant],
    [[`k1=v1`, `chat_grant=${grant}`], grant],
    ['k1=v1', undefined],
    ['chat_grant=short', undefined],
    ['chat_grant=%41%41', undefined],
    [undefined, undefined],
    ['chat_grant', undefined],
  ])('reads %j as %s', (header, expected) => {
    expect(grantFromBaggage(header as string | string[] | undefined)).toBe(expected);
  });
});
