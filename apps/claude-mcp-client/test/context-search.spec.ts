/**
 * `claude_context_search` end to end: Claude calls it through the real gateway, the gateway
 * calls back `GET /v1/context/search` with the service token, and the search is scoped to the
 * user of the exchange (by the grant the chat client's MCP request carried in its baggage).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateToolOutput, type ContextSearchResult } from '@mcpgw/tool-schemas';
import { asService, postChat, startChat, withKey, metricValue, type ChatHarness } from './support/chat-harness.js';
import { say, startFakeAnthropic, toolResultsOf, type FakeAnthropic, type FakeStep } from './support/fake-anthropic.js';
import { CHAT_SERVICE_TOKEN, startSystem, type TestSystem } from './support/system.js';

let fake: FakeAnthropic;
let system: TestSystem;
let chat: ChatHarness;
let aliceKey: string;
let bobKey: string;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  system = await startSystem();
  chat = await startChat({ system, env: { CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url } });
  [aliceKey, bobKey] = await Promise.all([system.createUserKey('alice'), system.createUserKey('bob')]);
});

afterAll(async () => {
  await chat?.close();
  await system?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

const searchFor = (query: string): FakeStep => ({
  kind: 'message',
  content: [{ type: 'tool_use', id: `toolu_search_${query}`, name: 'claude_context_search', input: { query, limit: 5 } }],
});

/** Asks Claude (scripted to search for `word`) as `key`; returns what the tool gave Claude. */
async function searchAs(key: string, word: string): Promise<{ results: ContextSearchResult[]; count: number }> {
  fake.enqueue(searchFor(word), say('Here is what I found.'));
  const { status } = await postChat(chat.url, { message: `What did we find earlier about ${word}?` }, withKey(key));
  expect(status).toBe(200);
  const [result] = toolResultsOf(fake.requests.at(-1)!);
  expect(result?.is_error).toBeUndefined();
  // The tool result is the gateway's summary line, then the structured output as JSON.
  const structured: unknown = JSON.parse(String(result?.content.slice(result.content.indexOf('{'))));
  const checked = validateToolOutput('claude_context_search', structured);
  expect(checked.ok).toBe(true);
  return structured as { results: ContextSearchResult[]; count: number };
}

describe('claude_context_search through the gateway', () => {
  it("finds the caller's earlier conversation by a word from it, and never another user's", async () => {
    fake.enqueue(say('Logged: the zanzibar-botnet C2 talks to 198.51.100.23 over port 8443.'));
    const earlier = await postChat(chat.url, { message: 'We saw zanzibar-botnet traffic from 198.51.100.23' }, withKey(aliceKey));
    const aliceConversation = (earlier.body['context'] as { conversation_id: string }).conversation_id;
    fake.enqueue(say('Noted, a different topic.'));
    await postChat(chat.url, { message: 'The payments API had a latency spike on Tuesday' }, withKey(aliceKey));

    const forAlice = await searchAs(aliceKey, 'zanzibar');
    expect(forAlice.count).toBe(1);
    expect(forAlice.results[0]).toMatchObject({ conversation_id: aliceConversation });
    expect(forAlice.results[0]?.snippet).toMatch(/zanzibar/i);
    expect(forAlice.results[0]?.score).toBeGreaterThan(0);
    expect(forAlice.results[0]?.score).toBeLessThanOrEqual(1);

    const forBob = await searchAs(bobKey, 'zanzibar');
    expect(forBob).toEqual({ results: [], count: 0 });
    expect(await metricValue(chat.registry, 'chat_context_searches_total', { scope: 'grant' })).toBeGreaterThanOrEqual(2);
  });

  it('ranks the conversation that is most about the query first', async () => {
    fake.enqueue(say('Only a passing mention of kestrel here, among many other unrelated words about lunch and weather.'));
    await postChat(chat.url, { message: 'misc notes' }, withKey(bobKey));
    fake.enqueue(say('Kestrel scanner, kestrel payloads, kestrel infrastructure: all kestrel.'));
    const focused = await postChat(chat.url, { message: 'kestrel campaign summary' }, withKey(bobKey));
    const found = await searchAs(bobKey, 'kestrel');
    expect(found.count).toBe(2);
    expect(found.results[0]?.conversation_id).toBe((focused.body['context'] as { conversation_id: string }).conversation_id);
    expect(found.results[0]!.score).toBeGreaterThan(found.results[1]!.score);
  });
});

describe('GET /v1/context/search', () => {
  const search = (query: string, headers: Record<string, string>) => fetch(`${chat.url}/v1/context/search?${query}`, { headers });

  it('requires the service token', async () => {
    expect((await search('q=zanzibar', {})).status).toBe(401);
    expect((await search('q=zanzibar', withKey(aliceKey))).status).toBe(401);
  });

  it('returns nothing when the caller names no user (no cross-user default)', async () => {
    const response = await search('q=zanzibar', { authorization: `Bearer ${CHAT_SERVICE_TOKEN}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it('scopes to a user named by a trusted service, with the tool output shape', async () => {
    fake.enqueue(say('The osprey domain resolves to 203.0.113.77.'));
    await postChat(chat.url, { message: 'osprey investigation' }, asService('portal-user-1'));
    const mine = await search('q=osprey&limit=3', asService('portal-user-1'));
    const results = (await mine.json()) as ContextSearchResult[];
    expect(results).toHaveLength(1);
    expect(validateToolOutput('claude_context_search', { results, count: results.length }).ok).toBe(true);
    const other = await search('q=osprey', asService('portal-user-2'));
    expect(await other.json()).toEqual([]);
  });

  it('ignores a forged grant', async () => {
    const response = await search('q=zanzibar', { authorization: `Bearer ${CHAT_SERVICE_TOKEN}`, baggage: 'chat_grant=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(await response.json()).toEqual([]);
  });

  it.each([['limit=5'], ['q=&limit=5'], ['q=x&limit=0'], ['q=x&limit=51'], [`q=${'x'.repeat(501)}`]])('refuses %s with 400', async (query) => {
    const response = await search(query, { authorization: `Bearer ${CHAT_SERVICE_TOKEN}` });
    expect(response.status).toBe(400);
  });
});
