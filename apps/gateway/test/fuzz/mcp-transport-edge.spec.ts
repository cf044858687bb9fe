/**
 * The HTTP transport guards of `/mcp` under generated and malformed input: media types, Origin,
 * HTTP methods, the body limit (both framings), bodies that end early or are aborted, concurrent
 * aborts mid-call, and odd headers. Every answer is the documented status; nothing hangs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { echoTool, slowTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { decisions, eventually, postMcp, rawExchange, rpcError, send } from './support/fuzz-http.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;
const LIMIT = 4 * 1024 * 1024;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool, slowTool(5_000)] });
  gateway = await startGateway({ file: { allowedOrigins: ['app.example.com'], upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const PING = JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'ping' });
const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.+!#$&^_|~'.split('')), minLength: 1, maxLength: 15 });
const head = (path: string, headers: string[]) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

describe('/mcp transport guards under generated input', () => {
  it('a Content-Type other than application/json is refused with 415 and a null id', async () => {
    const mediaType = fc.tuple(token, token, fc.option(fc.tuple(token, token))).map(([t, s, p]) => `${t}/${s}${p ? `; ${p[0]}=${p[1]}` : ''}`);
    await fc.assert(
      fc.asyncProperty(mediaType.filter((m) => !/^application\/json\s*(;|$)/i.test(m)), async (contentType) => {
        const answer = await postMcp(gateway.mcpUrl, PING, { 'content-type': contentType });
        expect(answer.status).toBe(415);
        expect(answer.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      }),
      { numRuns: 150 },
    );
    for (const contentType of ['application/json', 'APPLICATION/JSON', 'application/json;charset=utf-8', 'application/json ; x=y']) {
      expect((await postMcp(gateway.mcpUrl, PING, { 'content-type': contentType })).status, contentType).toBe(200);
    }
  });

  it('an Accept header without JSON or a wildcard is refused with 406; one with them is served', async () => {
    const accept = fc.tuple(token, token).map(([t, s]) => `${t}/${s}`).filter((a) => !/json|\*/i.test(a));
    await fc.assert(
      fc.asyncProperty(accept, async (value) => {
        expect((await postMcp(gateway.mcpUrl, PING, { accept: value })).status).toBe(406);
      }),
      { numRuns: 100 },
    );
    for (const value of ['application/json', '*/*', 'application/*', 'text/event-stream, application/json;q=0.5']) {
      expect((await postMcp(gateway.mcpUrl, PING, { accept: value })).status, value).toBe(200);
    }
  });

  it('only localhost and configured Origins pass; any other, and lookalikes, get 403', async () => {
    await fc.assert(
      fc.asyncProperty(fc.domain().filter((d) => d !== 'localhost' && d !== 'app.example.com'), fc.constantFrom('http', 'https'), async (domain, scheme) => {
        const answer = await postMcp(gateway.mcpUrl, PING, { origin: `${scheme}://${domain}` });
        expect(answer.status).toBe(403);
        expect(answer.json).toMatchObject({ id: null, error: { code: -32000 } });
      }),
      { numRuns: 150 },
    );
    const lookalikes = ['null', 'http://localhost.evil.example', 'http://app.example.com.evil.example', 'http://localhost@evil.example', 'http://evil.example#localhost', 'http://127.0.0.1.evil.example', 'http://localhost, http://evil.example', 'file://evil.example'];
    for (const origin of lookalikes) expect((await postMcp(gateway.mcpUrl, PING, { origin })).status, origin).toBe(403);
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1', 'https://app.example.com']) expect((await postMcp(gateway.mcpUrl, PING, { origin })).status, origin).toBe(200);
  });

  it('every HTTP method but POST is 405 with Allow: POST, sessions or not', async () => {
    for (const method of ['GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']) {
      const answer = await send(gateway.mcpUrl, { method, headers: { accept: 'text/event-stream, application/json', 'mcp-session-id': 'abc', 'content-type': 'application/json' }, ...(method === 'GET' || method === 'DELETE' || method === 'OPTIONS' ? {} : { body: PING }) });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.get('allow')).toBe('POST');
      expect(answer.json).toMatchObject({ id: null, error: { code: -32000 } });
    }
  });

  it('empty and blank bodies are parse errors (400 / -32700)', async () => {
    for (const body of ['', ' ', '\n\t', '{', '{"jsonrpc":"2.0","id":1,"method":"ping"']) {
      const answer = await postMcp(gateway.mcpUrl, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json).toMatchObject({ id: null, error: { code: -32700 } });
    }
  });

  it('a body of exactly the limit is read; one byte more is 413 (Content-Length framing)', async () => {
    const exact = PING + ' '.repeat(LIMIT - PING.length);
    expect((await postMcp(gateway.mcpUrl, exact, {}, 20_000)).json).toEqual({ jsonrpc: '2.0', id: 'p', result: {} });
    const over = await postMcp(gateway.mcpUrl, `${exact} `, {}, 20_000);
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('a chunked body crossing the limit gets a readable 413 and the connection closes', async () => {
    const chunk = Buffer.alloc(512 * 1024, 0x20);
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const parts = [head('/mcp', ['Content-Type: application/json', 'Transfer-Encoding: chunked']), ...Array.from({ length: 10 }, () => framed)];
    const outcome = await rawExchange(gateway.url, parts, { timeoutMs: 10_000 });
    expect(outcome.timedOut).toBe(false);
    expect(outcome.status).toBe(413);
    expect(outcome.raw).toContain('"code":-32600');
  });

  it('a client that aborts mid-body leaves nothing hanging: the request is recorded and serving goes on', async () => {
    const before = await decisions(gateway.registry);
    const parts = [head('/mcp', ['Content-Type: application/json', 'Content-Length: 1000']), '{"jsonrpc":"2.0",'];
    for (let i = 0; i < 5; i += 1) await rawExchange(gateway.url, parts, { destroyAfterWrite: true, gapMs: 50 });
    expect(await eventually(async () => (await decisions(gateway.registry)) >= before + 5)).toBe(true);
    expect((await postMcp(gateway.mcpUrl, PING)).status).toBe(200);
  });

  it('a chunked body that ends early (client half-closes) is answered or closed, never left open', async () => {
    const parts = [head('/mcp', ['Content-Type: application/json', 'Transfer-Encoding: chunked']), '10\r\n{"jsonrpc":"2.0",\r\n'];
    const outcome = await rawExchange(gateway.url, parts, { endAfterWrite: true, timeoutMs: 3_000 });
    expect(outcome.timedOut).toBe(false);
    if (outcome.status !== undefined) expect(outcome.status).toBeGreaterThanOrEqual(400);
  });

  it('calls aborted mid-flight end promptly (cancelled upstream) while other callers are served', async () => {
    const before = await decisions(gateway.registry);
    const started = Date.now();
    const aborted = Array.from({ length: 6 }, (_, i) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      return fetch(gateway.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: `slow-${i}`, method: 'tools/call', params: { name: 'up__slow', arguments: {} } }),
        signal: controller.signal,
      }).catch(() => undefined);
    });
    const served = await Promise.all(Array.from({ length: 6 }, (_, i) => postMcp(gateway.mcpUrl, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'up__echo', arguments: { text: `t${i}` } } })));
    await Promise.all(aborted);
    served.forEach((answer, i) => expect(answer.json).toMatchObject({ id: i, result: { content: [{ text: `t${i}` }] } }));
    // Each aborted call is finished (and recorded) long before the slow tool's 5 s.
    expect(await eventually(async () => (await decisions(gateway.registry)) >= before + 12, 3_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_500);
  });

  it('odd headers are answered with the documented statuses', async () => {
    const dupLength = await rawExchange(gateway.url, [head('/mcp', ['Content-Type: application/json', 'Content-Length: 5', 'Content-Length: 6', 'Connection: close']) + '{}'], { untilResponse: true });
    expect(dupLength.status).toBe(400);
    const smuggle = await rawExchange(gateway.url, [head('/mcp', ['Content-Type: application/json', 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Connection: close']) + '0\r\n\r\n'], { untilResponse: true });
    expect(smuggle.status).toBe(400);
    const latin1 = Buffer.concat([Buffer.from(head('/mcp', ['Content-Type: application/json', 'MCP-Protocol-Version: 2025-11-25\xe9', `Content-Length: ${PING.length}`, 'Connection: close']), 'latin1'), Buffer.from(PING)]);
    const badVersion = await rawExchange(gateway.url, [latin1], { untilResponse: true });
    expect(badVersion.status).toBe(400);
    expect(badVersion.raw).toContain('"id":"p"');
    // A huge Mcp-Method on a 2025-era body is not consulted (the body is primary).
    expect((await postMcp(gateway.mcpUrl, PING, { 'mcp-method': 'x'.repeat(8_000) })).status).toBe(200);
    // Two X-API-Key headers are joined by Node into one value with a blank: malformed, never anonymous.
    const twoKeys = await rawExchange(gateway.url, [head('/mcp', ['Content-Type: application/json', 'X-API-Key: a', 'X-API-Key: b', `Content-Length: ${PING.length}`, 'Connection: close']) + PING], { untilResponse: true });
    expect(twoKeys.status).toBe(401);
    const answer = await postMcp(gateway.mcpUrl, PING, { 'x-api-key': '' });
    expect(answer.status).toBe(401);
    expect(rpcError(answer)?.message).toBe('malformed credentials');
  });
});
