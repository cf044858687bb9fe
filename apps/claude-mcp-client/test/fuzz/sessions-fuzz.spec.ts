/**
 * Sessions under attack: ids of every shape, other users' sessions, and many messages of one
 * session at once. A session answers one message at a time (the others get 409), is invisible to
 * anyone but its owner (404, indistinguishable from unknown), and never loses an answered turn.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { streamMessage } from '../support/anthropic-stream.js';
import { raw, say } from '../support/fake-anthropic.js';
import { ALICE_KEY, BOB_KEY, asService, leaks, post, startFuzzStack, type FuzzStack } from './support/fuzz-chat.js';

/**
 * The memory store, with a hook that holds back the next session-lock request until a test lets it
 * go: what a slow network round trip to Redis does to a replica between two commands.
 */
function storeWithSlowLock(base: StateStore) {
  const hold: { gate?: Promise<void>; reached: boolean } = { reached: false };
  const store = new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'acquireLock') {
        return async (key: string, ttlMs: number) => {
          const gate = hold.gate;
          if (gate && key.endsWith(':lock')) {
            hold.gate = undefined;
            hold.reached = true;
            await gate;
          }
          return target.acquireLock(key, ttlMs);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, hold };
}

const base = createStateStore({ keyPrefix: 'chat:' });
const { store, hold } = storeWithSlowLock(base);
let stack: FuzzStack;

beforeAll(async () => {
  stack = await startFuzzStack({ claude: true, store });
});
afterAll(async () => {
  await stack?.close();
  await base.close();
});
beforeEach(() => {
  stack.model?.reset();
  hold.gate = undefined;
  hold.reached = false;
});

const alice = { authorization: `Bearer ${ALICE_KEY}` };
const bob = { authorization: `Bearer ${BOB_KEY}` };

async function newSession(headers: Record<string, string>): Promise<string> {
  const answer = await post(stack.chat.url, '/chat', { message: 'open a session' }, headers);
  expect(answer.status).toBe(200);
  return String(answer.json?.['session_id']);
}

async function storedTurns(sessionId: string): Promise<string[]> {
  const raw = await stack.chat.store.get(`session:${sessionId}`);
  return (JSON.parse(String(raw)) as { turns: Array<{ user: string }> }).turns.map((t) => t.user);
}

describe('session ownership', () => {
  it('hides a session from every other caller, exactly as an unknown id, and keeps it for its owner', async () => {
    const sessionId = await newSession(alice);
    const unknown = await post(stack.chat.url, '/chat', { message: 'hi', session_id: 'Z'.repeat(24) }, alice);
    expect(unknown.status).toBe(404);
    const strip = (body: Record<string, unknown> | undefined) => ({ ...body, trace_id: undefined, timestamp: undefined });
    for (const headers of [bob, asService('alice'), asService(`key:${sessionId}`)]) {
      const answer = await post(stack.chat.url, '/chat', { message: 'let me in', session_id: sessionId }, headers);
      expect(answer.status).toBe(404);
      expect(strip(answer.json)).toEqual(strip(unknown.json));
    }
    const streamed = await post(stack.chat.url, '/chat/stream', { message: 'let me in', session_id: sessionId }, bob);
    expect(streamed.status).toBe(404);
    expect(await storedTurns(sessionId)).toEqual(['open a session']);
    expect((await post(stack.chat.url, '/chat', { message: 'still mine', session_id: sessionId }, alice)).status).toBe(200);
  });

  it('answers 404 or 400 for session ids of any shape, never 5xx, and never starts a session for them', async () => {
    const id = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
      fc.string({ maxLength: 80 }),
      fc.constantFrom('../../../../etc/passwd', 'session:x:lock', '*', 'a'.repeat(65), 'a'.repeat(15), '__proto__AAAAAAAAAAAA', 'constructor_AAAAAAAA'),
    );
    await fc.assert(
      fc.asyncProperty(id, async (sessionId) => {
        const answer = await post(stack.chat.url, '/chat', { message: 'hi', session_id: sessionId }, asService('prober'));
        const wellFormed = /^[A-Za-z0-9_-]{16,64}$/.test(sessionId);
        expect(answer.status).toBe(wellFormed ? 404 : 400);
        expect(leaks(answer.text)).toBe(false);
      }),
      { numRuns: 40 },
    );
    expect(stack.model?.requests).toHaveLength(0);
  });
});

describe('a long session', () => {
  it('replays at most CHAT_HISTORY_TOKEN_BUDGET estimated tokens of whole earlier turns, newest kept', async () => {
    let sessionId: string | undefined;
    stack.model?.setScript((_req, index) => say(`${index}:${'a'.repeat(6000)}`));
    for (let i = 0; i < 6; i += 1) {
      const answer = await post(stack.chat.url, '/chat', { message: `${i}:${'u'.repeat(6000)}`, ...(sessionId ? { session_id: sessionId } : {}) }, alice);
      expect(answer.status).toBe(200);
      sessionId = String(answer.json?.['session_id']);
      const sent = stack.model?.requests.at(-1)?.body.messages ?? [];
      const history = sent.slice(0, -1);
      // Each earlier turn is ~3000 estimated tokens (4 characters a token): two fit in 8000.
      expect(history.length).toBe(2 * Math.min(i, 2));
      expect(history.map((m) => m.role)).toEqual(history.map((_m, k) => (k % 2 ? 'assistant' : 'user')));
      if (i >= 2) expect(String(history[0]?.content)).toMatch(new RegExp(`^${i - 2}:`));
    }
    expect(await storedTurns(String(sessionId))).toHaveLength(2);
  });
});

describe('one message of a session at a time', () => {
  it('answers exactly one of six concurrent messages and refuses the others with 409', async () => {
    const sessionId = await newSession(alice);
    stack.model?.setScript(() => ({ kind: 'message', content: [{ type: 'text', text: 'slow answer', chunks: ['slow answer'] }], chunkDelayMs: 1000 }));
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(stack.chat.url, i % 2 ? '/chat' : '/chat/stream', { message: `m${i}`, session_id: sessionId }, alice)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json).toMatchObject({ error: 'CHAT_ERR_SESSION_BUSY' });
    expect(await storedTurns(sessionId)).toHaveLength(2);
    // The lock is released: the next message goes through.
    expect((await post(stack.chat.url, '/chat', { message: 'after', session_id: sessionId }, alice)).status).toBe(200);
  });

  // Fixed, kept as a regression test. Was (lost update): ChatService.open (src/chat/chat-service.ts) reads the session
  // (sessions.get) BEFORE taking its lock (sessions.lock). A message whose lock request arrives just
  // after another message of the session finished answers from the stale history and then
  // overwrites the session with it (SessionStore.appendTurn writes session.turns + its turn), so
  // the other message's answered turn is lost and Claude never saw it. Fix: take the lock first,
  // then read the session (or re-read it after locking).
  it('never loses an answered turn when two messages of one session race', async () => {
    const sessionId = await newSession(alice);
    const firstIndex = stack.model?.requests.length ?? 0;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    stack.model?.setScript((_req, index) =>
      raw(async (res) => {
        if (index === firstIndex) await firstHeld;
        await streamMessage(res, [{ type: 'text', text: `answer ${index}` }]);
      }),
    );
    const first = post(stack.chat.url, '/chat', { message: 'first', session_id: sessionId }, alice);
    await expect.poll(() => stack.model?.requests.length, { timeout: 5000 }).toBe(firstIndex + 1);

    let releaseLock!: () => void;
    hold.gate = new Promise<void>((resolve) => (releaseLock = resolve));
    const second = post(stack.chat.url, '/chat', { message: 'second', session_id: sessionId }, alice);
    await expect.poll(() => hold.reached, { timeout: 5000 }).toBe(true);
    releaseFirst();
    expect((await first).status).toBe(200);
    releaseLock();
    const late = await second;

    // Either the second message is refused, or it saw the first one and both turns are kept.
    if (late.status === 409) return;
    expect(late.status).toBe(200);
    expect(await storedTurns(sessionId)).toEqual(['open a session', 'first', 'second']);
    expect(late.json?.['context']).toMatchObject({ history_turns: 2 });
  });
});
