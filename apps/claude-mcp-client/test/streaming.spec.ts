/**
 * `POST /chat/stream`: events in order, the final message last, errors as an `error` event, and
 * a client that goes away cancels the model call (and stores nothing, and frees the session).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSse } from '../src/cli/sse-reader.js';
import { asService, postChat, startChat, streamChat, type ChatHarness } from './support/chat-harness.js';
import { startFakeAnthropic, type FakeAnthropic } from './support/fake-anthropic.js';

let fake: FakeAnthropic;
let chat: ChatHarness;
let offline: ChatHarness;
const user = asService('stream-user');

beforeAll(async () => {
  fake = await startFakeAnthropic();
  // No gateway behind these: tools are unavailable, which these tests do not need.
  chat = await startChat({ env: { CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url, CHAT_MAX_TURNS: '2' } });
  offline = await startChat();
});

afterAll(async () => {
  await offline?.close();
  await chat?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

describe('POST /chat/stream', () => {
  it('streams the text deltas in order and ends with the final message', async () => {
    const chunks = ['The ', 'address ', 'looks ', 'clean ', 'to ', 'me.'];
    fake.enqueue({ kind: 'message', content: [{ type: 'text', text: chunks.join(''), chunks }], chunkDelayMs: 15 });
    const { status, events } = await streamChat(chat.url, { message: 'Is 192.0.2.1 clean?' }, user);
    expect(status).toBe(200);
    expect(events[0]?.event).toBe('session');
    const texts = events.filter((e) => e.event === 'text').map((e) => e.json['delta']);
    expect(texts).toEqual(chunks);
    const last = events.at(-1);
    expect(last?.event).toBe('message');
    expect(last?.json).toMatchObject({ response: chunks.join(''), degraded: false, session_id: events[0]?.json['session_id'] });
    expect(events.filter((e) => e.event === 'message')).toHaveLength(1);
  });

  it('streams the offline planner: tool call, tool result, text, final message', async () => {
    const { events } = await streamChat(offline.url, { message: 'Check the threat level for IP 203.0.113.1' }, user);
    expect(events.map((e) => e.event)).toEqual(['session', 'tool_call', 'tool_result', 'text', 'message']);
    expect(events[1]?.json).toMatchObject({ name: 'sentraip_threat_check', input: { target: '203.0.113.1', type: 'ip' } });
    // No gateway runs here: the tool is reported unavailable, and the answer says so.
    expect(events[2]?.json).toMatchObject({ name: 'sentraip_threat_check', is_error: true });
    expect(events[4]?.json).toMatchObject({ degraded: true, response: events[3]?.json['delta'] });
  });

  it('ends with an error event when the exchange fails after the stream started', async () => {
    fake.setScript((_r, i) => ({ kind: 'message', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'imaginary_tool', input: {} }] }));
    const { status, events } = await streamChat(chat.url, { message: 'loop' }, user);
    expect(status).toBe(200);
    expect(events.at(-1)).toMatchObject({ event: 'error', json: { error: 'CHAT_ERR_TOOL_LOOP_LIMIT' } });
    expect(events.some((e) => e.event === 'message')).toBe(false);
  });

  it('answers errors found before streaming as plain HTTP errors', async () => {
    const response = await fetch(`${chat.url}/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('cancels the model call when the client disconnects mid-stream, stores nothing and frees the session', async () => {
    const first = await postChat(chat.url, { message: 'open a session' }, user);
    const sessionId = String(first.body['session_id']);
    fake.reset();
    fake.enqueue({ kind: 'stall', chunks: ['Thinking ', 'about ', 'it'] });

    const controller = new AbortController();
    const response = await fetch(`${chat.url}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...user },
      body: JSON.stringify({ message: 'take your time', session_id: sessionId }),
      signal: controller.signal,
    });
    const seen: string[] = [];
    try {
      for await (const event of readSse(response.body!)) {
        seen.push(event.event);
        if (event.event === 'text') {
          controller.abort();
          break;
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
    expect(seen).toEqual(['session', 'text']);
    await expect.poll(() => fake.requests[0]?.aborted, { timeout: 10_000 }).toBe(true);
    expect(fake.requests[0]?.completed).toBe(false);

    // The session is free again and does not contain the cancelled exchange.
    fake.enqueue({ kind: 'message', content: [{ type: 'text', text: 'back' }] });
    const next = await postChat(chat.url, { message: 'are you there?', session_id: sessionId }, user);
    expect(next.status).toBe(200);
    expect(fake.requests.at(-1)?.body.messages.map((m) => m.content)).toEqual(['open a session', 'ok', 'are you there?']);
  });

  it('gives up at the exchange deadline: 504, and the model call is cancelled', async () => {
    const hurried = await startChat({ env: { CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url, CHAT_EXCHANGE_TIMEOUT_MS: '1000' } });
    try {
      fake.enqueue({ kind: 'stall', chunks: ['Hmm'] });
      const { status, body } = await postChat(hurried.url, { message: 'think forever' }, user);
      expect(status).toBe(504);
      expect(body).toMatchObject({ error: 'UPSTREAM_TIMEOUT' });
      await expect.poll(() => fake.requests[0]?.aborted, { timeout: 10_000 }).toBe(true);
    } finally {
      await hurried.close();
    }
  });
});
