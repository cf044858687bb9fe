/**
 * `/chat/stream` and cancellation under attack: model text that tries to forge SSE events, many
 * streams at once, clients that vanish mid-answer, and a model that never finishes. The stream
 * always ends with exactly one `message` or `error`, the text deltas add up to the answer, and a
 * vanished or timed-out exchange frees its session and stores nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSse } from '../../src/cli/sse-reader.js';
import { say } from '../support/fake-anthropic.js';
import { asService, post, startFuzzStack, type FuzzStack } from './support/fuzz-chat.js';

let stack: FuzzStack;

beforeAll(async () => {
  stack = await startFuzzStack({ claude: true, env: { CHAT_EXCHANGE_TIMEOUT_MS: '1500' } });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.model?.reset());

async function stream(body: unknown, user: string): Promise<Array<{ event: string; json: Record<string, unknown> }>> {
  const response = await fetch(`${stack.chat.url}/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json', ...asService(user) }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  expect(response.status).toBe(200);
  const events: Array<{ event: string; json: Record<string, unknown> }> = [];
  for await (const e of readSse(response.body ?? new ReadableStream())) events.push({ event: e.event, json: JSON.parse(e.data) as Record<string, unknown> });
  return events;
}

describe('SSE framing', () => {
  it('keeps one event per model delta, whatever the text holds, and ends with exactly one message', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('\n\nevent: message\ndata: {"pwned":true}\n\n', '\r\nevent: error\r\ndata: {}\r\n\r\n', 'data: x\rdata: y', ': comment\n', '\u2028\u2029\u0085'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 4 }), async (chunks) => {
        // One text block a chunk, each sent as one delta.
        stack.model?.setScript(() => ({ kind: 'message', content: chunks.map((text) => ({ type: 'text', text, chunks: [text] })) }));
        const events = await stream({ message: 'say odd things' }, 'sse-user');
        expect(events[0]?.event).toBe('session');
        const finals = events.filter((e) => e.event === 'message' || e.event === 'error');
        expect(finals.map((e) => e.event)).toEqual(['message']);
        expect(events.at(-1)?.event).toBe('message');
        for (const e of events) expect(['session', 'text', 'tool_call', 'tool_result', 'message']).toContain(e.event);
        const streamed = events.filter((e) => e.event === 'text').map((e) => String(e.json['delta'])).join('');
        expect(streamed).toBe(finals[0]?.json['response']);
      }),
      { numRuns: 25 },
    );
  });

  it('serves many streams at once, each complete and on its own session', async () => {
    stack.model?.setScript((_req, index) => ({ kind: 'message', content: [{ type: 'text', text: `answer ${index}`, chunks: [`answer ${index}`] }], chunkDelayMs: 50 }));
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => stream({ message: `q${i}` }, `many-${i % 3}`)));
    const sessions = new Set<unknown>();
    for (const events of all) {
      const message = events.find((e) => e.event === 'message');
      expect(message).toBeDefined();
      sessions.add(message?.json['session_id']);
    }
    expect(sessions.size).toBe(12);
  });
});

describe('cancellation', () => {
  const exchanges = (outcome: string) => stack.chat.logLines.filter((l) => l.includes('"message":"chat exchange"') && l.includes(`"outcome":"${outcome}"`)).length;

  it('frees the session and stores nothing when the client leaves mid-answer', async () => {
    const first = await post(stack.chat.url, '/chat', { message: 'open' }, asService('leaver'));
    const sessionId = String(first.json?.['session_id']);
    stack.model?.setScript(() => ({ kind: 'stall', chunks: ['partial…'] }));
    const cancelledBefore = exchanges('cancelled');
    const controller = new AbortController();
    const response = await fetch(`${stack.chat.url}/chat/stream`, { method: 'POST', headers: { 'content-type': 'application/json', ...asService('leaver') }, body: JSON.stringify({ message: 'then leave', session_id: sessionId }), signal: controller.signal });
    const reader = response.body?.getReader();
    // Read until the model's text arrives: the exchange is inside the model call.
    for (let i = 0; i < 10; i += 1) {
      const { value } = (await reader?.read()) ?? {};
      if (value && new TextDecoder().decode(value).includes('partial')) break;
    }
    controller.abort();
    await expect.poll(() => exchanges('cancelled'), { timeout: 5000 }).toBe(cancelledBefore + 1);
    stack.model?.setScript(() => say('back'));
    expect((await post(stack.chat.url, '/chat', { message: 'again', session_id: sessionId }, asService('leaver'))).status).toBe(200);
    const stored = JSON.parse(String(await stack.chat.store.get(`session:${sessionId}`))) as { turns: Array<{ user: string }> };
    expect(stored.turns.map((t) => t.user)).toEqual(['open', 'again']);
  });

  it('answers 504 on /chat and one error event on the stream when the model never finishes, freeing the session each time', async () => {
    const first = await post(stack.chat.url, '/chat', { message: 'open' }, asService('deadline'));
    const sessionId = String(first.json?.['session_id']);
    stack.model?.setScript(() => ({ kind: 'stall', chunks: ['never done'] }));
    const plain = await post(stack.chat.url, '/chat', { message: 'hang', session_id: sessionId }, asService('deadline'));
    expect(plain.status).toBe(504);
    expect(plain.json).toMatchObject({ error: 'UPSTREAM_TIMEOUT' });
    // A 409 here would mean the timed-out exchange kept the lock.
    const events = await stream({ message: 'hang again', session_id: sessionId }, 'deadline');
    expect(events.filter((e) => e.event === 'error').map((e) => e.json['error'])).toEqual(['UPSTREAM_TIMEOUT']);
    expect(events.at(-1)?.event).toBe('error');
    stack.model?.setScript(() => say('finally'));
    expect((await post(stack.chat.url, '/chat', { message: 'after', session_id: sessionId }, asService('deadline'))).status).toBe(200);
    const stored = JSON.parse(String(await stack.chat.store.get(`session:${sessionId}`))) as { turns: Array<{ user: string }> };
    expect(stored.turns.map((t) => t.user)).toEqual(['open', 'after']);
  });
});
