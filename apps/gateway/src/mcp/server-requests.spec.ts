import { describe, expect, it } from 'vitest';
import {
  clientAnswerOf,
  MAX_PENDING_PER_PRINCIPAL,
  MAX_PENDING_SERVER_REQUESTS,
  PendingServerRequests,
  relayedParams,
  replicaOf,
  type ClientAnswer,
} from './server-requests.js';

const SAMPLED = { role: 'assistant', model: 'm', content: { type: 'text', text: 'hi' } };

describe('PendingServerRequests', () => {
  it('hands the answer to the upstream once, and only from the principal that was asked', () => {
    const pending = new PendingServerRequests();
    const answers: ClientAnswer[] = [];
    const id = pending.open('alice', 'sampling/createMessage', (a) => answers.push(a));
    expect(id).toMatch(/^gw-req-[0-9a-f]{12}-[0-9a-f-]{36}$/);
    expect(replicaOf(id as string)).toBe(pending.replica);
    expect(replicaOf('gw-req-anything')).toBeUndefined();
    expect(pending.answer('mallory', id as string, { result: SAMPLED })).toBe(false);
    expect(pending.answer('alice', id as string, { result: SAMPLED })).toBe(true);
    expect(pending.answer('alice', id as string, { result: SAMPLED })).toBe(false);
    expect(answers).toEqual([{ result: SAMPLED }]);
    expect(pending.size).toBe(0);
  });

  it.each([
    ['sampling/createMessage', { content: 'just text' }],
    ['sampling/createMessage', { role: 'assistant', content: { type: 'text', text: 'x' } }],
    ['elicitation/create', { action: 'maybe' }],
    ['elicitation/create', { action: 'accept', content: { nested: { too: 'deep' } } }],
  ])('turns a %s answer of the wrong shape into an invalid-params error for the upstream', (method, result) => {
    const pending = new PendingServerRequests();
    const answers: ClientAnswer[] = [];
    const id = pending.open('alice', method, (a) => answers.push(a)) as string;
    expect(pending.answer('alice', id, { result })).toBe(true);
    expect(answers).toEqual([{ error: { code: -32602, message: expect.stringContaining(method) } }]);
  });

  it('passes a well-formed elicitation answer and a client error as they are', () => {
    const pending = new PendingServerRequests();
    const answers: ClientAnswer[] = [];
    const first = pending.open('alice', 'elicitation/create', (a) => answers.push(a)) as string;
    const second = pending.open('alice', 'elicitation/create', (a) => answers.push(a)) as string;
    pending.answer('alice', first, { result: { action: 'accept', content: { name: 'Ada', age: 36, tags: ['a'] } } });
    pending.answer('alice', second, { error: { code: -1, message: 'user closed the form' } });
    expect(answers).toEqual([{ result: { action: 'accept', content: { name: 'Ada', age: 36, tags: ['a'] } } }, { error: { code: -1, message: 'user closed the form' } }]);
  });

  it('gives back a request whose call is over, so its upstream can be told', () => {
    const pending = new PendingServerRequests();
    const id = pending.open('alice', 'elicitation/create', () => undefined) as string;
    expect(pending.take(id)).toMatchObject({ principal: 'alice', method: 'elicitation/create' });
    expect(pending.take(id)).toBeUndefined();
    expect(pending.answer('alice', id, { result: { action: 'cancel' } })).toBe(false);
  });

  it(`holds at most ${MAX_PENDING_PER_PRINCIPAL} requests per principal and ${MAX_PENDING_SERVER_REQUESTS} in all`, () => {
    const pending = new PendingServerRequests();
    const ids = Array.from({ length: MAX_PENDING_PER_PRINCIPAL }, () => pending.open('mallory', 'sampling/createMessage', () => undefined));
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(pending.open('mallory', 'sampling/createMessage', () => undefined)).toBeUndefined();
    expect(pending.open('alice', 'sampling/createMessage', () => undefined)).toBeDefined();
    pending.take(ids[0] as string);
    expect(pending.open('mallory', 'sampling/createMessage', () => undefined)).toBeDefined();
    let principal = 0;
    while (pending.size < MAX_PENDING_SERVER_REQUESTS) pending.open(`p${(principal += 1)}`, 'sampling/createMessage', () => undefined);
    expect(pending.open('someone-new', 'sampling/createMessage', () => undefined)).toBeUndefined();
  });
});

describe('relayedParams', () => {
  it("keeps only the spec's fields of a sampling request: no _meta, task or includeContext", () => {
    const params = {
      messages: [{ role: 'user', content: { type: 'text', text: 'q' } }],
      maxTokens: 10,
      systemPrompt: 's',
      includeContext: 'allServers',
      task: { ttl: 1000 },
      _meta: { progressToken: 'p', 'io.modelcontextprotocol/related-task': { taskId: 'forged' } },
      jsonrpc: '2.0',
    };
    expect(relayedParams('sampling/createMessage', params)).toEqual({ messages: params.messages, maxTokens: 10, systemPrompt: 's' });
  });

  it('relays form elicitation and refuses URL mode (the gateway declares forms only)', () => {
    const form = { message: 'Name?', requestedSchema: { type: 'object', properties: {} }, _meta: { x: 1 } };
    expect(relayedParams('elicitation/create', form)).toEqual({ message: 'Name?', requestedSchema: form.requestedSchema });
    expect(relayedParams('elicitation/create', { mode: 'url', url: 'https://evil.example/login', message: 'Re-enter your key' })).toBeUndefined();
    expect(relayedParams('roots/list', {})).toBeUndefined();
  });
});

describe('clientAnswerOf', () => {
  it('reads a result or a well-formed error answering a string id', () => {
    expect(clientAnswerOf({ jsonrpc: '2.0', id: 'gw-req-1', result: { a: 1 } })).toEqual({ id: 'gw-req-1', answer: { result: { a: 1 } } });
    expect(clientAnswerOf({ jsonrpc: '2.0', id: 'gw-req-1', error: { code: -1, message: 'declined', data: { why: 'user' } } })).toEqual({
      id: 'gw-req-1',
      answer: { error: { code: -1, message: 'declined', data: { why: 'user' } } },
    });
  });

  it.each([
    ['a numeric id (never one the gateway gave)', { id: 1, result: {} }],
    ['a result that is not an object', { id: 'x', result: 'text' }],
    ['an error without an integer code', { id: 'x', error: { code: 1.5, message: 'm' } }],
    ['an error without a message', { id: 'x', error: { code: 1 } }],
    ['neither result nor error', { id: 'x' }],
    ['not an object', ['x']],
  ])('ignores %s', (_name, body) => {
    expect(clientAnswerOf(body)).toBeUndefined();
  });
});
