/**
 * `GET /v1/context/search` attacked: credentials other than the service token, query parameters
 * repeated or out of range, forged and stale context grants in `baggage`, and users probing each
 * other's conversations. Only the service token is heard; a search sees one user's conversations
 * (the grant's, else the named user's) and nobody's otherwise; bad input is a 400, never a 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, slowTool, type RawAnswer } from '@mcpgw/testing';
import { say, useTool } from '../support/fake-anthropic.js';
import { ALICE_KEY, CHAT_SERVICE_TOKEN, asService, leaks, post, startFuzzStack, type FuzzStack } from './support/fuzz-chat.js';

let stack: FuzzStack;
const USERS = ['ctx-alice', 'ctx-bob', 'ctx-carol'] as const;
/** A word only this user ever said. */
const marker = (user: string) => `zq${user.replace(/\W/g, '')}marker`;

beforeAll(async () => {
  stack = await startFuzzStack({ claude: true, tools: [slowTool(1500)] });
  for (const user of USERS) {
    const answer = await post(stack.chat.url, '/chat', { message: `remember ${marker(user)} and 198.51.100.77` }, asService(user));
    expect(answer.status).toBe(200);
  }
});
afterAll(async () => {
  await stack?.close();
});

const search = (query: string, headers: Record<string, string | string[]> = {}): Promise<RawAnswer> =>
  rawRequest(stack.chat.url, { method: 'GET', path: `/v1/context/search?${query}`, headers: { authorization: `Bearer ${CHAT_SERVICE_TOKEN}`, ...headers } });

/** The conversation ids of `user` (from a search as that user). */
async function conversationsOf(user: string): Promise<string[]> {
  const answer = await search(`q=${marker(user)}`, { 'x-chat-user': user });
  return (JSON.parse(answer.text) as Array<{ conversation_id: string }>).map((r) => r.conversation_id);
}

describe('who may search', () => {
  it.each([
    ['no credential', { authorization: '' }],
    ['a user API key', { authorization: `Bearer ${ALICE_KEY}` }],
    ['the service token in X-API-Key', { authorization: '', 'x-api-key': CHAT_SERVICE_TOKEN }],
    ['the service token with a lower-case scheme', { authorization: `bearer ${CHAT_SERVICE_TOKEN}` }],
    ['the service token twice', { authorization: `Bearer ${CHAT_SERVICE_TOKEN} ${CHAT_SERVICE_TOKEN}` }],
    ['a prefix of the service token', { authorization: `Bearer ${CHAT_SERVICE_TOKEN.slice(0, 10)}` }],
  ])('refuses %s with 401', async (_label, headers: Record<string, string>) => {
    const answer = await search(`q=${marker('ctx-alice')}`, { 'x-chat-user': 'ctx-alice', ...headers });
    // A lower-case "bearer" is a valid RFC 7235 scheme; the docs only promise the token itself.
    if (headers.authorization?.startsWith('bearer ')) {
      expect([200, 401]).toContain(answer.status);
      return;
    }
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: 'UNAUTHORIZED' });
    expect(leaks(answer.text)).toBe(false);
  });
});

describe('query parameters', () => {
  it.each([
    ['a repeated q', 'q=a&q=b', 400],
    ['a repeated limit', 'q=marker&limit=1&limit=2', 400],
    ['a bracketed q', 'q[]=x', 400],
    ['an empty q', 'q=', 400],
    ['a blank q', 'q=%20%20', 400],
    ['no q', 'limit=3', 400],
    ['limit 0', 'q=x&limit=0', 400],
    ['limit 51', 'q=x&limit=51', 400],
    ['a fractional limit', 'q=x&limit=1.5', 400],
    ['a word limit', 'q=x&limit=ten', 400],
    ['q of 501 characters', `q=${'a'.repeat(501)}`, 400],
    ['q of 500 astral characters', `q=${encodeURIComponent('😀'.repeat(500))}`, 200],
    ['bad percent-encoding', 'q=%E0%A4%A', 200],
    ['an unknown parameter', 'q=x&user=ctx-bob&__proto__=1', 200],
  ])('answers %s (?%s) with %i', async (_label, query, status) => {
    const answer = await search(query, { 'x-chat-user': 'ctx-alice' });
    expect(answer.status).toBe(status);
    if (status === 400) expect(answer.json).toMatchObject({ error: 'VALIDATION_FAILED' });
    expect(leaks(answer.text)).toBe(false);
  });

  it('never answers 5xx for any query string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), fc.string({ maxLength: 6 }), async (q, limit) => {
        const answer = await search(`q=${encodeURIComponent(q)}&limit=${encodeURIComponent(limit)}`, { 'x-chat-user': 'ctx-alice' });
        expect([200, 400]).toContain(answer.status);
        if (answer.status === 200) expect(Array.isArray(JSON.parse(answer.text))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('whose conversations a search sees', () => {
  it('shows each named user only their own conversations, whatever they search for', async () => {
    const own = new Map<string, string[]>();
    for (const user of USERS) own.set(user, await conversationsOf(user));
    for (const ids of own.values()) expect(ids).toHaveLength(1);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USERS), fc.constantFrom(...USERS), fc.constantFrom('remember', '198.51.100.77', 'marker', 'ok'), async (asker, target, word) => {
        const answer = await search(`q=${encodeURIComponent(`${marker(target)} ${word}`)}&limit=50`, { 'x-chat-user': asker });
        expect(answer.status).toBe(200);
        const ids = (JSON.parse(answer.text) as Array<{ conversation_id: string }>).map((r) => r.conversation_id);
        for (const id of ids) expect(own.get(asker)).toContain(id);
        if (asker !== target) expect(answer.text).not.toContain(marker(target));
      }),
      { numRuns: 30 },
    );
  });

  it('shows nobody anything without a user, or with a malformed or repeated X-Chat-User', async () => {
    const variants: Array<Record<string, string | string[]>> = [{}, { 'x-chat-user': 'ctx alice' }, { 'x-chat-user': '' }, { 'x-chat-user': ['ctx-alice', 'ctx-bob'] }, { 'x-chat-user': 'a'.repeat(129) }];
    for (const headers of variants) {
      const answer = await search(`q=${marker('ctx-alice')}`, headers);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual([]);
    }
  });

  it('ignores forged grants and baggage of any shape (falls back to the header, never a 5xx)', async () => {
    const grant = fc.stringMatching(/^[A-Za-z0-9_-]{32,64}$/);
    const baggage = fc.oneof(
      grant.map((g) => `chat_grant=${g}`),
      grant.map((g) => `other=1, chat_grant = ${g} ;prop=1`),
      fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
      fc.constant(`chat_grant=${'A'.repeat(9000)}`),
    );
    await fc.assert(
      fc.asyncProperty(baggage, fc.boolean(), async (value, named) => {
        const answer = await search(`q=${marker('ctx-bob')}`, { baggage: value.trim(), ...(named ? { 'x-chat-user': 'ctx-carol' } : {}) });
        expect(answer.status).toBe(200);
        // Never bob's: a forged grant names nobody, and the header (if any) names carol.
        expect(answer.text).not.toContain(marker('ctx-bob'));
      }),
      { numRuns: 40 },
    );
  });

  it("honours a live exchange's grant for its own user only, and never after the exchange ended", async () => {
    stack.model?.reset();
    stack.model?.enqueue(useTool('slow'));
    stack.model?.setScript(() => say('done'));
    const seenBefore = stack.gateway.seen.length;
    const exchange = post(stack.chat.url, '/chat', { message: 'slow one' }, asService('ctx-alice'));
    const grantHeader = async () => stack.gateway.seen.slice(seenBefore).find((r) => r.path === '/mcp' && /chat_grant=/.test(String(r.headers.baggage)))?.headers.baggage;
    await expect.poll(grantHeader, { timeout: 5000 }).toBeDefined();
    const baggage = String(await grantHeader());

    const live = await search(`q=${marker('ctx-alice')}`, { baggage, 'x-chat-user': 'ctx-bob' });
    expect(live.status).toBe(200);
    expect(live.text).toContain(marker('ctx-alice'));

    expect((await exchange).status).toBe(200);
    const stale = await search(`q=${marker('ctx-alice')}`, { baggage });
    expect(JSON.parse(stale.text)).toEqual([]);
  });
});
