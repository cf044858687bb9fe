/** The router on a real Redis: what arrives on a replica's answer channel, hostile or not. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import { describeWithRedis } from '@mcpgw/testing';
import { PassThrough } from 'node:stream';
import { answerChannel, MAX_ANSWER_BYTES, ServerAnswerRouter } from '../src/mcp/server-answer-router.js';
import { PendingServerRequests, type ClientAnswer } from '../src/mcp/server-requests.js';

const logger = createLogger({ service: 'router-test', stream: new PassThrough() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('ServerAnswerRouter (real Redis)', (redis) => {
  let store: StateStore;
  let holder: { pending: PendingServerRequests; router: ServerAnswerRouter };
  let other: { pending: PendingServerRequests; router: ServerAnswerRouter };
  const replica = () => {
    const pending = new PendingServerRequests();
    return { pending, router: new ServerAnswerRouter(store, pending, logger) };
  };

  beforeAll(async () => {
    store = createStateStore({ redisUrl: redis.url, keyPrefix: `router-${Date.now()}:` });
    holder = replica();
    other = replica();
    await holder.router.start();
    await other.router.start();
  });
  afterAll(async () => {
    await holder.router.stop();
    await other.router.stop();
    await store.close();
  });

  it("passes an answer to the holder, for the holder's principal only, and ignores hostile messages", async () => {
    const answers: ClientAnswer[] = [];
    const id = holder.pending.open('alice', 'elicitation/create', (a) => answers.push(a)) as string;
    const channel = answerChannel(holder.pending.replica);
    for (const hostile of [
      'not json',
      'null',
      '[1]',
      JSON.stringify({ principal: 'mallory', id, answer: { result: { action: 'accept' } } }),
      JSON.stringify({ principal: 'alice', id: 7, answer: { result: { action: 'accept' } } }),
      JSON.stringify({ principal: 'alice', id, answer: 'accept' }),
      `{"principal":"alice","id":"${id}","answer":{"__proto__":{"polluted":true}}}`,
    ])
      await store.publish(channel, hostile);
    expect(await other.router.answer('mallory', id, { result: { action: 'accept' } })).toBe('forwarded');
    expect(await other.router.answer('alice', id, { result: { action: 'decline' } })).toBe('forwarded');
    for (let i = 0; i < 100 && answers.length === 0; i += 1) await sleep(20);
    expect(answers).toEqual([{ result: { action: 'decline' } }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('publishes nothing for an id no replica gave, or one of its own it no longer holds', async () => {
    expect(await other.router.answer('alice', 'gw-req-made-up', { result: {} })).toBe('unmatched');
    const id = other.pending.open('alice', 'elicitation/create', () => undefined) as string;
    other.pending.take(id);
    expect(await other.router.answer('alice', id, { result: { action: 'cancel' } })).toBe('unmatched');
  });

  it(`refuses an answer over ${MAX_ANSWER_BYTES} bytes wherever it lands`, async () => {
    const id = holder.pending.open('alice', 'sampling/createMessage', () => undefined) as string;
    const big = { result: { role: 'assistant', model: 'm', content: { type: 'text', text: 'x'.repeat(MAX_ANSWER_BYTES) } } };
    expect(await holder.router.answer('alice', id, big)).toBe('too_large');
    expect(await other.router.answer('alice', id, big)).toBe('too_large');
    expect(holder.pending.has(id)).toBe(true);
  });
});
