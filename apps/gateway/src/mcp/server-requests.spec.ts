import { describe, expect, it } from 'vitest';
import { clientAnswerOf, MAX_PENDING_SERVER_REQUESTS, PendingServerRequests, type ClientAnswer } from './server-requests.js';

describe('PendingServerRequests', () => {
  it("hands the answer to the upstream once, and only from the principal that was asked", () => {
    const pending = new PendingServerRequests();
    const answers: ClientAnswer[] = [];
    const id = pending.open('alice', (a) => answers.push(a));
    expect(id).toMatch(/^gw-req-[0-9a-f-]{36}$/);
    expect(pending.answer('mallory', id as string, { result: { forged: true } })).toBe(false);
    expect(pending.answer('alice', id as string, { result: { ok: true } })).toBe(true);
    expect(pending.answer('alice', id as string, { result: { again: true } })).toBe(false);
    expect(answers).toEqual([{ result: { ok: true } }]);
    expect(pending.size).toBe(0);
  });

  it('forgets a request whose call is over', () => {
    const pending = new PendingServerRequests();
    const answers: ClientAnswer[] = [];
    const id = pending.open('alice', (a) => answers.push(a)) as string;
    pending.close(id);
    expect(pending.answer('alice', id, { result: {} })).toBe(false);
    expect(answers).toEqual([]);
  });

  it(`holds at most ${MAX_PENDING_SERVER_REQUESTS} requests`, () => {
    const pending = new PendingServerRequests();
    for (let i = 0; i < MAX_PENDING_SERVER_REQUESTS; i += 1) expect(pending.open('p', () => undefined)).toBeDefined();
    expect(pending.open('p', () => undefined)).toBeUndefined();
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
