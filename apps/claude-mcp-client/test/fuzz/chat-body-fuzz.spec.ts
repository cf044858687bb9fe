/**
 * Hostile `POST /chat` bodies: wrong types, prototype keys, odd Unicode, control characters,
 * sizes, content types and encodings. Offline mode (no Claude key), so every accepted message is
 * answered by the planner through the fake gateway. A body is accepted (200) exactly when the
 * documented rules hold, refused with a 4xx envelope otherwise, and no answer leaks a secret,
 * a stack frame or a source path.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type FakeTool } from '@mcpgw/testing';
import { MAX_OFFLINE_CALLS, planOfflineCalls } from '../../src/offline/offline-planner.js';
import { asService, leaks, post, startFuzzStack, type FuzzStack } from './support/fuzz-chat.js';

const MAX_CHARS = 200;
const threatTool: FakeTool = {
  name: 'sentraip_threat_check',
  description: 'Threat verdict.',
  inputSchema: { type: 'object', properties: { target: { type: 'string' }, type: { type: 'string' } }, required: ['target', 'type'] },
  handler: (args) => ({
    content: [{ type: 'text', text: 'verdict' }],
    structuredContent: { target: String(args['target']), type: String(args['type']), risk_level: 'low', threat_score: 1, categories: [], last_updated: '2025-01-01T00:00:00Z', degraded: false },
  }),
};

let stack: FuzzStack;
const user = asService('fuzz-body-user');

beforeAll(async () => {
  stack = await startFuzzStack({ tools: [threatTool], env: { CHAT_MAX_MESSAGE_CHARS: String(MAX_CHARS) } });
});
afterAll(async () => {
  await stack?.close();
});

const raw = (body: string | Buffer, headers: Record<string, string>) =>
  rawRequest(stack.chat.url, { method: 'POST', path: '/chat', headers: { ...user, ...headers }, body });

/** The documented rules of a chat message (control characters per Unicode: C0, DEL and C1). */
function validMessage(value: unknown): boolean {
  if (typeof value !== 'string' || !/\S/.test(value)) return false;
  if ([...value].length > MAX_CHARS) return false;
  return ![...value].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || (code >= 0x7f && code <= 0x9f);
  });
}

describe('POST /chat body shapes', () => {
  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['truncated JSON', '{"message":"hi"'],
    ['a message array', '{"message":["hi"]}'],
    ['a message object', '{"message":{"toString":"hi"}}'],
    ['a numeric session id', '{"message":"hi","session_id":1234567890123456}'],
    ['a session id array', '{"message":"hi","session_id":["AAAAAAAAAAAAAAAAAAAA"]}'],
    ['a __proto__ key carrying the message', '{"__proto__":{"message":"hi"}}'],
    ['a constructor key', '{"message":"hi","constructor":{"prototype":{"polluted":true}}}'],
    ['a NUL character', '{"message":"hi\\u0000there"}'],
    ['an escape sequence (ESC)', '{"message":"\\u001b[2J hi"}'],
  ])('refuses %s with a 4xx envelope', async (_label, body) => {
    const answer = await raw(body, { 'content-type': 'application/json' });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.json).toMatchObject({ error: expect.stringMatching(/^[A-Z_]+$/) as unknown, trace_id: expect.any(String) as unknown });
    expect(leaks(answer.text)).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('never takes a message or session id from a __proto__ key', async () => {
    const answer = await raw('{"message":"hi","__proto__":{"session_id":"AAAAAAAAAAAAAAAAAAAA","message":"other"}}', { 'content-type': 'application/json' });
    // The inherited session id is ignored (a new session, not 404 for AAAA…), nothing is polluted.
    expect(answer.status).toBe(200);
    expect(answer.json?.['session_id']).not.toBe('AAAAAAAAAAAAAAAAAAAA');
    expect(({} as Record<string, unknown>)['session_id']).toBeUndefined();
  });

  // Fixed, kept as a regression test. Was: validateChatBody (src/http/validation.ts, hasControlCharacter) only refuses C0 and DEL;
  // C1 controls (U+0080-U+009F, e.g. U+009B CSI, U+0085 NEL) are accepted although the docs say
  // "no control characters besides tab/CR/LF". They reach Claude, the history and the terminal chat.
  it('refuses C1 control characters (U+009B CSI) like the C0 ones', async () => {
    const answer = await post(stack.chat.url, '/chat', { message: 'hi \u009b2J there' }, user);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'VALIDATION_FAILED' });
  });

  it('counts the length in code points: the limit of astral characters passes, one more does not', async () => {
    const ok = await post(stack.chat.url, '/chat', { message: '😀'.repeat(MAX_CHARS) }, user);
    expect(ok.status).toBe(200);
    const over = await post(stack.chat.url, '/chat', { message: '😀'.repeat(MAX_CHARS + 1) }, user);
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ error: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'message' })] });
  });

  it('answers bidi overrides, line separators and lone surrogates without failing', async () => {
    for (const message of ['\u202eevil.example\u202c', 'a\u2028b\u2029c', 'x \ud800 y', '\ufeff hi \u200b']) {
      const answer = await post(stack.chat.url, '/chat', { message }, user);
      expect(answer.status).toBe(200);
      expect(answer.json?.['degraded']).toBe(true);
      expect(leaks(answer.text)).toBe(false);
    }
  });
});

describe('content types, encodings and sizes', () => {
  const body = JSON.stringify({ message: 'hello' });

  it('treats a non-JSON content type as a missing body, not as JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await raw(body, { 'content-type': type });
      expect([400, 415]).toContain(answer.status);
    }
  });

  it('refuses a JSON body in an unsupported charset or encoding with 415', async () => {
    expect((await raw(body, { 'content-type': 'application/json; charset=iso-8859-1' })).status).toBe(415);
    expect((await raw(body, { 'content-type': 'application/json', 'content-encoding': 'zstd-bogus' })).status).toBe(415);
  });

  it('accepts gzip, refuses a gzip body that is not gzip, and stops a gzip bomb at the body limit', async () => {
    expect((await raw(gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(200);
    const notGzip = await raw(body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(notGzip.status).toBe(400);
    const started = Date.now();
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const answer = await raw(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(answer.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a body over the limit with 413', async () => {
    const answer = await raw(JSON.stringify({ message: 'x'.repeat(200_000) }), { 'content-type': 'application/json' });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses deeply nested JSON quickly, without a 500', async () => {
    const nested = `{"message":"hi","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const answer = await raw(nested, { 'content-type': 'application/json' });
    expect(answer.status).toBe(400);
  });
});

describe('property: any JSON object body', () => {
  const key = fc.constantFrom('message', 'session_id', '__proto__', 'constructor', 'prototype', 'toString', 'extra');
  const text = fc.oneof(
    fc.string({ maxLength: 220 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.constantFrom(' ', '\t\n', 'hi\u0007', '203.0.113.9 and evil.example', 'AAAAAAAAAAAAAAAAAAAAAAAA', '../../etc/passwd'),
  );
  const value = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 2 }), fc.dictionary(text, text, { maxKeys: 2 }));
  const body = fc.dictionary(key, value, { maxKeys: 3 });

  it('is answered 200 exactly when it is a valid message, otherwise a 4xx envelope; never a 5xx or a leak', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const json = JSON.stringify(b);
        // Generated text never holds C1 controls (those are covered by their own test above).
        fc.pre(!/[\u0080-\u009f]/.test(json));
        const parsed = JSON.parse(json) as Record<string, unknown>;
        const answer = await raw(json, { 'content-type': 'application/json' });
        expect(leaks(answer.text)).toBe(false);
        // A `__proto__` key is ignored, not refused (see "never takes a message … from a __proto__ key").
        const keys = Object.keys(parsed).filter((k) => k !== '__proto__');
        const onlyKnown = keys.every((k) => k === 'message' || k === 'session_id');
        // A well-formed session id that was never issued is "not found" (404), not a 400.
        const sessionOk = !keys.includes('session_id') || (typeof parsed['session_id'] === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(parsed['session_id']));
        const valid = onlyKnown && validMessage(parsed['message']) && sessionOk;
        if (valid && keys.includes('session_id')) expect(answer.status).toBe(404);
        else if (valid) expect(answer.status).toBe(200);
        else {
          expect(answer.status).toBe(400);
          expect(answer.json?.['error']).toMatch(/^(VALIDATION_FAILED|INVALID_JSON)$/);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('the offline planner under hostile messages', () => {
  it('makes at most 6 tool calls for a message full of targets', async () => {
    const before = stack.gateway.calledTools().length;
    const ips = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}`).join(' ');
    const answer = await post(stack.chat.url, '/chat', { message: ips }, user);
    expect(answer.status).toBe(200);
    expect(stack.gateway.calledTools().length - before).toBe(6);
    expect(answer.json?.['tools_called']).toHaveLength(6);
  });

  it.each([
    ['dotted labels', 'a.'.repeat(4000)],
    ['two-letter labels', 'ab.'.repeat(2666)],
    ['colons', '1:'.repeat(4000)],
    ['hex groups', 'ffff:'.repeat(1600)],
    ['api words', 'x-api '.repeat(1333)],
    ['api ids', 'api id '.repeat(1142)],
    ['long word', 'a'.repeat(8000)],
    ['hyphens', 'a-'.repeat(4000)],
    ['dotted digits', '1.'.repeat(4000)],
  ])('plans a maximal pathological message (%s) in linear time', (_label, message) => {
    const started = performance.now();
    const plan = planOfflineCalls(message.slice(0, 8000));
    expect(plan.calls.length).toBeLessThanOrEqual(MAX_OFFLINE_CALLS);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
