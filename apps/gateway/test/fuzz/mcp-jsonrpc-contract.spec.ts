/**
 * The JSON-RPC error contract of `/mcp` (2025 era, no envelope) under generated input: every body
 * gets a JSON-RPC answer (never a 5xx), errors carry the request's id (null when there is none),
 * and the codes are the spec's (-32700 / -32600 / -32601 / -32602).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { PROTOTYPE_KEYS, nestedArrays, postMcp, rpcError, type EdgeAnswer } from './support/fuzz-http.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  // pageSize 1: every tool is on its own page, so cursors are issued and can be walked.
  gateway = await startGateway({ file: { pageSize: 1, upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const SPEC_CODES = [-32700, -32600, -32601, -32602, -32603, -32000, -32002, -32020];
const REQUEST_METHODS = [
  'initialize', 'ping', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'resources/list',
  'resources/templates/list', 'resources/read', 'logging/setLevel', 'completion/complete',
];
const KNOWN = new Set<string>([...REQUEST_METHODS, 'server/discover', 'subscriptions/listen']);
const isPrototypeKey = (name: string) => name in Object.prototype;
const validId = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }));
const post = (body: unknown) => postMcp(gateway.mcpUrl, body);

/** The answer is one JSON-RPC response (or a bare 202), never a server failure. */
function expectJsonRpcAnswer(answer: EdgeAnswer, sentId: unknown): void {
  expect(answer.status).toBeLessThan(500);
  if (answer.status === 202) {
    expect(answer.text).toBe('');
    return;
  }
  expect(answer.headers.get('content-type')).toContain('application/json');
  expect(answer.json?.['jsonrpc']).toBe('2.0');
  const id = answer.json?.['id'];
  if (id !== null) expect(id).toEqual(sentId);
  const error = rpcError(answer);
  if (error) expect(SPEC_CODES).toContain(error.code);
  else expect(answer.json?.['result']).toBeTypeOf('object');
}

describe('/mcp JSON-RPC contract under generated input', () => {
  it('any JSON value as the body is answered as JSON-RPC, never with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (body) => {
        const answer = await post(body);
        const sentId = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['id'] : undefined;
        expectJsonRpcAnswer(answer, sentId);
      }),
      { numRuns: 200 },
    );
  });

  it('a request naming an unknown method gets -32601 with its own id', async () => {
    // Object.prototype names are their own (failing) case below.
    const method = fc.string({ unit: 'binary', maxLength: 60 }).filter((m) => !KNOWN.has(m) && !isPrototypeKey(m));
    await fc.assert(
      fc.asyncProperty(validId, method, async (id, m) => {
        const answer = await post({ jsonrpc: '2.0', id, method: m });
        expect(answer.status).toBe(200);
        expect(answer.json).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32601 } });
      }),
      { numRuns: 200 },
    );
  });

  it('case, whitespace and path variants of a method are unknown methods, not served', async () => {
    for (const method of ['Tools/List', 'TOOLS/CALL', 'tools/list ', ' tools/list', 'tools/list\u0000', 'tools//list', 'tools/list/', 'tools\\list', 'tools/lis\u0074\u200b', 'ｔools/list']) {
      const answer = await post({ jsonrpc: '2.0', id: 'v', method, params: {} });
      expect(answer.json, JSON.stringify(method)).toMatchObject({ id: 'v', error: { code: -32601 } });
    }
  });

  // Fixed, kept as a regression test. Was: `validateParams` looks the method up in a plain object (`PARAMS_SCHEMA[method]`, src/mcp/params.ts),
  // so `constructor` & co. find Object.prototype members and throw a TypeError: -32603 "Internal error"
  // (logged as a failure, decision `error`) instead of -32601.
  it('method names that are Object.prototype members get -32601, not -32603', async () => {
    for (const method of PROTOTYPE_KEYS) {
      const answer = await post({ jsonrpc: '2.0', id: 11, method, params: {} });
      expect(answer.json, method).toMatchObject({ id: 11, error: { code: -32601 } });
    }
  });

  it('valid ids (strings, safe integers) are echoed exactly', async () => {
    await fc.assert(
      fc.asyncProperty(validId, async (id) => {
        const answer = await post({ jsonrpc: '2.0', id, method: 'ping' });
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({ jsonrpc: '2.0', id, result: {} });
      }),
      { numRuns: 150 },
    );
  });

  it('ids that are not a string or a number are refused with 400 / -32600 and a null id', async () => {
    for (const id of ['true', 'false', 'null', '{}', '{"a":1}', '[]', '[1]', '1e400', '-1e400']) {
      const answer = await post(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      expect(answer.status, id).toBe(400);
      expect(answer.json, id).toEqual({ jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) as unknown });
    }
  });

  it('a "jsonrpc" member other than "2.0" is refused with 400 / -32600', async () => {
    const version = fc.oneof(fc.string({ maxLength: 8 }).filter((v) => v !== '2.0'), fc.integer(), fc.constant(2), fc.constant(null), fc.boolean());
    await fc.assert(
      fc.asyncProperty(version, validId, async (jsonrpc, id) => {
        const answer = await post({ jsonrpc, id, method: 'ping' });
        expect(answer.status).toBe(400);
        expect(rpcError(answer)?.code).toBe(-32600);
        expect([null, id]).toContainEqual(answer.json?.['id']);
      }),
      { numRuns: 100 },
    );
  });

  it('params of any shape for any method are answered in-band with the same id, never -32603', async () => {
    const field = fc.constantFrom('name', 'arguments', 'uri', 'cursor', 'level', 'ref', 'argument', 'protocolVersion', 'capabilities', 'clientInfo', '_meta', 'task');
    const params = fc.dictionary(field, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REQUEST_METHODS), params, validId, async (method, p, id) => {
        const answer = await post({ jsonrpc: '2.0', id, method, params: p });
        // An envelope the SDK's schema refuses (e.g. a `_meta` that is not an object) is a 400 -32600 before dispatch.
        if (answer.status === 400) {
          expect(rpcError(answer)?.code).toBe(-32600);
          return;
        }
        expect(answer.status).toBe(200);
        expect(answer.json?.['id']).toEqual(id);
        const error = rpcError(answer);
        if (error) expect([-32602, -32002, -32601]).toContain(error.code);
      }),
      { numRuns: 250 },
    );
  });

  it('notifications (no id) for request methods are acknowledged with 202 and never forwarded', async () => {
    const before = upstream.calls.length;
    for (const method of REQUEST_METHODS) {
      const answer = await post({ jsonrpc: '2.0', method, params: method === 'tools/call' ? { name: 'up__echo', arguments: { text: 'n' } } : {} });
      expect(answer.status, method).toBe(202);
      expect(answer.text).toBe('');
    }
    expect(upstream.calls.length).toBe(before);
  });

  it('responses posted for ids the gateway never issued are acknowledged 202 with no body (no oracle)', async () => {
    const answerBody = fc.oneof(
      fc.record({ result: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) }),
      fc.record({ error: fc.record({ code: fc.integer({ min: -32768, max: 32767 }), message: fc.string({ maxLength: 20 }) }) }),
    );
    await fc.assert(
      fc.asyncProperty(validId, answerBody, async (id, rest) => {
        const answer = await post({ jsonrpc: '2.0', id, ...rest });
        expect(answer.status).toBe(202);
        expect(answer.text).toBe('');
      }),
      { numRuns: 100 },
    );
  });

  it('deeply nested params are refused at the edge (-32600), whatever the method', async () => {
    const answer = await post(`{"jsonrpc":"2.0","id":"deep","method":"tools/list","params":{"x":${nestedArrays(100_000)}}}`);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: -32600, message: expect.stringContaining('nested deeper') as unknown } });
  });

  it('the cursors tools/list issues walk every tool exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const answer = await post({ jsonrpc: '2.0', id: page, method: 'tools/list', params: cursor === undefined ? {} : { cursor } });
      const result = answer.json?.['result'] as { tools: Array<{ name: string }>; nextCursor?: string };
      seen.push(...result.tools.map((t) => t.name));
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toContain('up__echo');
    expect(new Set(seen).size).toBe(seen.length);
    expect(cursor).toBeUndefined();
  });

  it('cursors that decode to no number at all are refused with -32602', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), async (raw) => {
        const cursor = Buffer.from(`x${raw}`, 'utf8').toString('base64url');
        const answer = await post({ jsonrpc: '2.0', id: 'c', method: 'tools/list', params: { cursor } });
        expect(answer.json).toMatchObject({ id: 'c', error: { code: -32602 } });
      }),
      { numRuns: 100 },
    );
  });

  // Fixed, kept as a regression test. Was: src/mcp/pagination.ts decodes with Buffer.from(cursor, 'base64url') (which drops every non-alphabet
  // character) and Number(text) (which reads '' and '  ' as 0 and accepts '1.0', ' 1', '0x1'), so a garbage
  // cursor such as "!!!" silently restarts at page one instead of -32602 "not a cursor this server issued".
  it('garbage cursors that are not one this server issued are refused with -32602', async () => {
    const garbage = ['!!!', '', '   ', '@@@@', Buffer.from('1.0').toString('base64url'), Buffer.from(' 1').toString('base64url'), Buffer.from('0x1').toString('base64url')];
    for (const cursor of garbage) {
      const answer = await post({ jsonrpc: '2.0', id: 'g', method: 'tools/list', params: { cursor } });
      expect(answer.json, JSON.stringify(cursor)).toMatchObject({ id: 'g', error: { code: -32602 } });
    }
  });

  // Fixed, kept as a regression test. Was: src/pipeline/argument-validator.ts builds the field from ajv's instancePath or missingProperty only;
  // an `additionalProperties` error has neither, so the message reads "arguments.arguments: must NOT have
  // additional properties" and never names the offending argument (docs: -32602 names the field).
  it('an argument the tool does not declare is named in the -32602 message', async () => {
    const answer = await post({ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'a', smuggled: 1 } } });
    expect(answer.json).toMatchObject({ id: 'x', error: { code: -32602 } });
    expect(rpcError(answer)?.message).toContain('smuggled');
  });
});
