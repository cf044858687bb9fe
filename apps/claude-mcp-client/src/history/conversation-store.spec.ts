import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '@mcpgw/state';
import { ConversationStore, type ExchangeRecord } from './conversation-store.js';
import { userKey } from './user-key.js';

const stores: MemoryStateStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function setup(maxExchanges = 10) {
  const store = new MemoryStateStore({ keyPrefix: 'chat:' });
  stores.push(store);
  return { store, conversations: new ConversationStore(store, { maxExchanges, retentionMs: 60_000 }) };
}

const exchange = (conversationId: string, userMessage: string, response = 'noted'): ExchangeRecord => ({
  conversationId,
  userMessage,
  response,
  tools: [],
  timestamp: '2026-11-21T10:00:00.000Z',
});

describe('ConversationStore', () => {
  it("searches only the user's own exchanges", async () => {
    const { conversations } = setup();
    await conversations.append('key:alice', exchange('c_alice', 'zanzibar botnet seen'));
    await conversations.append('key:bob', exchange('c_bob', 'zanzibar botnet seen too'));
    expect((await conversations.search('key:alice', 'zanzibar', 5)).map((r) => r.conversation_id)).toEqual(['c_alice']);
    expect((await conversations.search('key:carol', 'zanzibar', 5))).toEqual([]);
  });

  it('returns one result per conversation, its best passage, within the limit', async () => {
    const { conversations } = setup();
    await conversations.append('u', exchange('c1', 'kestrel once'));
    await conversations.append('u', exchange('c1', 'kestrel kestrel kestrel'));
    await conversations.append('u', exchange('c2', 'kestrel in another conversation'));
    await conversations.append('u', exchange('c3', 'kestrel third'));
    const results = await conversations.search('u', 'kestrel', 2);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ conversation_id: 'c1', snippet: 'kestrel kestrel kestrel', timestamp: '2026-11-21T10:00:00.000Z' });
    expect(new Set(results.map((r) => r.conversation_id)).size).toBe(2);
  });

  it('keeps the most recent exchanges in a ring of the configured size, with the retention TTL', async () => {
    const { store, conversations } = setup(3);
    for (let i = 1; i <= 5; i += 1) await conversations.append('u', exchange(`c${i}`, `osprey note ${i}`));
    const found = await conversations.search('u', 'osprey', 10);
    expect(found.map((r) => r.conversation_id).sort()).toEqual(['c3', 'c4', 'c5']);
    expect((await conversations.exchanges('u')).map((e) => e.seq)).toEqual([3, 4, 5]);
    for (const key of [`history:${userKey('u')}:0`, `history:${userKey('u')}:seq`]) {
      const ttl = await store.ttlMs(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('answers nothing for a query without search terms', async () => {
    const { conversations } = setup();
    await conversations.append('u', exchange('c1', 'the a of'));
    expect(await conversations.search('u', 'the of', 5)).toEqual([]);
  });
});
