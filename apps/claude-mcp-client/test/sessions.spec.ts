/**
 * Sessions (continuity, ownership, TTL, one message at a time), who may chat (gateway-verified
 * API keys, or the service token naming a user), and input validation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { describeWithRedis } from '@mcpgw/testing';
import { asService, postChat, startChat, withKey, type ChatHarness } from './support/chat-harness.js';
import { say, startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic.js';
import { CHAT_SERVICE_TOKEN, startSystem, type TestSystem } from './support/system.js';

let fake: FakeAnthropic;
let system: TestSystem;
let chat: ChatHarness;
let aliceKey: string;
let bobKey: string;
const claudeEnv = () => ({ CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url, CHAT_MAX_MESSAGE_CHARS: '200' });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  system = await startSystem();
  chat = await startChat({ system, env: claudeEnv() });
  [aliceKey, bobKey] = await Promise.all([system.createUserKey('alice'), system.createUserKey('bob')]);
});

afterAll(async () => {
  await chat?.close();
  await system?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

describe('sessions', () => {
  it('replays the first exchange to the model when the second message names the session', async () => {
    fake.enqueue(say('Noted: you track 198.51.100.23.'), say('You told me about 198.51.100.23.'));
    const first = await postChat(chat.url, { message: 'I am tracking 198.51.100.23' }, withKey(aliceKey));
    expect(first.status).toBe(200);
    const sessionId = String(first.body['session_id']);
    const second = await postChat(chat.url, { message: 'What am I tracking?', session_id: sessionId }, withKey(aliceKey));
    expect(second.status).toBe(200);
    expect(second.body['session_id']).toBe(sessionId);
    expect(second.body['context']).toMatchObject({ history_turns: 1, conversation_id: (first.body['context'] as { conversation_id: string }).conversation_id });
    expect(fake.requests[1]?.body.messages).toEqual([
      { role: 'user', content: 'I am tracking 198.51.100.23' },
      { role: 'assistant', content: 'Noted: you track 198.51.100.23.' },
      { role: 'user', content: 'What am I tracking?' },
    ]);
  });

  it('is invisible to another user, and an unknown id is not found either', async () => {
    const mine = await postChat(chat.url, { message: 'hello' }, withKey(aliceKey));
    const theirs = await postChat(chat.url, { message: 'hello', session_id: mine.body['session_id'] }, withKey(bobKey));
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ error: 'CHAT_ERR_SESSION_NOT_FOUND' });
    const unknown = await postChat(chat.url, { message: 'hello', session_id: 'AAAAAAAAAAAAAAAAAAAAAAAA' }, withKey(aliceKey));
    expect(unknown.status).toBe(404);
    // The failed attempts left the owner's session alone.
    const again = await postChat(chat.url, { message: 'still mine?', session_id: mine.body['session_id'] }, withKey(aliceKey));
    expect(again.status).toBe(200);
  });

  it('answers one message of a session at a time (409 for the second)', async () => {
    const first = await postChat(chat.url, { message: 'start' }, withKey(aliceKey));
    const sessionId = first.body['session_id'];
    fake.enqueue({ kind: 'message', content: [{ type: 'text', text: 'slow', chunks: ['s', 'l', 'o', 'w'] }], chunkDelayMs: 250 });
    const slow = postChat(chat.url, { message: 'one', session_id: sessionId }, withKey(aliceKey));
    await expect.poll(() => fake.requests.length, { timeout: 5000 }).toBe(2);
    const busy = await postChat(chat.url, { message: 'two', session_id: sessionId }, withKey(aliceKey));
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: 'CHAT_ERR_SESSION_BUSY' });
    expect((await slow).status).toBe(200);
  });

  it('forgets a session after its TTL', async () => {
    const shortLived = await startChat({ system, env: { ...claudeEnv(), CHAT_SESSION_TTL_SECONDS: '1' } });
    try {
      const first = await postChat(shortLived.url, { message: 'remember me' }, withKey(aliceKey));
      const sessionId = String(first.body['session_id']);
      expect((await postChat(shortLived.url, { message: 'still there?', session_id: sessionId }, withKey(aliceKey))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const late = await postChat(shortLived.url, { message: 'and now?', session_id: sessionId }, withKey(aliceKey));
      expect(late.status).toBe(404);
      expect(late.body).toMatchObject({ error: 'CHAT_ERR_SESSION_NOT_FOUND' });
    } finally {
      await shortLived.close();
    }
  });
});

describeWithRedis('sessions in Redis', (redis) => {
  it('are stored at chat:session:{id} with the configured TTL and expire with it', async () => {
    const prefix = `chat-test-${process.pid}-${Date.now()}:`;
    const store = createStateStore({ redisUrl: redis.url, keyPrefix: prefix });
    const redisChat = await startChat({ system, store, env: { ...claudeEnv(), CHAT_SESSION_TTL_SECONDS: '2' } });
    try {
      const first = await postChat(redisChat.url, { message: 'hello redis' }, withKey(aliceKey));
      const key = `session:${String(first.body['session_id'])}`;
      const ttl = await store.ttlMs(key);
      expect(ttl).toBeGreaterThan(500);
      expect(ttl).toBeLessThanOrEqual(2000);
      expect(JSON.parse(String(await store.get(key)))).toMatchObject({ turns: [{ user: 'hello redis', assistant: 'ok' }] });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await store.get(key)).toBeNull();
      const late = await postChat(redisChat.url, { message: 'gone?', session_id: first.body['session_id'] }, withKey(aliceKey));
      expect(late.status).toBe(404);
    } finally {
      await redisChat.close();
      await store.close();
    }
  });
});

describe('who may chat', () => {
  it('refuses a request without credentials', async () => {
    const { status, body } = await postChat(chat.url, { message: 'hi' }, {});
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'UNAUTHORIZED' });
  });

  it('refuses an API key the gateway does not accept', async () => {
    const { status } = await postChat(chat.url, { message: 'hi' }, withKey('mcpgw_0000000000000000_not-a-real-key-at-all'));
    expect(status).toBe(401);
  });

  it('accepts the service token for a named user, and needs the name', async () => {
    expect((await postChat(chat.url, { message: 'hi' }, asService('portal-user-7'))).status).toBe(200);
    const unnamed = await postChat(chat.url, { message: 'hi' }, { authorization: `Bearer ${CHAT_SERVICE_TOKEN}` });
    expect(unnamed.status).toBe(400);
  });

  it('answers 503 when the gateway cannot verify a key', async () => {
    const isolated = await startChat({ env: claudeEnv() });
    try {
      const { status, body } = await postChat(isolated.url, { message: 'hi' }, withKey(aliceKey));
      expect(status).toBe(503);
      expect(body).toMatchObject({ error: 'CHAT_ERR_AUTH_UNAVAILABLE' });
    } finally {
      await isolated.close();
    }
  });
});

describe('input validation', () => {
  it.each([
    ['a missing message', {}],
    ['a blank message', { message: '   ' }],
    ['a message over the length limit', { message: 'x'.repeat(201) }],
    ['control characters', { message: 'hi\u0007there' }],
    ['a malformed session id', { message: 'hi', session_id: '../../etc' }],
    ['a message that is not a string', { message: 42 }],
  ])('refuses %s with 400', async (_label, body) => {
    const response = await postChat(chat.url, body, withKey(aliceKey));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED' });
    expect(fake.requests).toHaveLength(0);
  });
});
