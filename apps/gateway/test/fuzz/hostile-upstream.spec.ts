/**
 * Attacks from the upstream side, on the direct exchange (a forwarded `tools/call` to a 2025-era
 * Streamable HTTP upstream, ADR 0007): whatever the upstream answers — garbage, wrong ids, hangs,
 * cut connections, redirects — the client gets HTTP 200 and a well-formed JSON-RPC answer with its
 * own id within the deadline, nothing internal or secret, and the healthy upstream keeps working.
 */
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';
import { callTool, expectHealthyStillServed, expectPrototypeClean, expectWellFormed } from './hostile-upstream-checks.js';
import { DEADLINE_MS, MAX_DURATION_MS, startHostileSetup, TIMEOUT_MS, type HostileSetup } from './hostile-upstream-setup.js';
import { nested, okResult, reply, sseEvent, UPSTREAM_STACK, type HostileCall, type StreamableBehaviour } from './hostile-upstream-support.js';

let setup: HostileSetup;
let trap: LoopbackListener;
let trapHits = 0;
/** Timers a behaviour started (endless streams); cleared after each test. */
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  setup = await startHostileSetup();
  // Where a redirect points: a server that would answer well, so following it would be visible.
  trap = await listenOnLoopback(
    createServer((_req, res) => {
      trapHits += 1;
      reply(res, JSON.stringify(okResult('gw-1')));
    }),
  );
});
afterEach(() => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  setup.behave();
});
afterAll(async () => {
  await setup?.close();
  await trap?.close();
});

/** Writes `chunk` every `ms` until the response closes (at most `max` times). */
function every(res: ServerResponse, ms: number, chunk: (n: number) => string, max = 100): void {
  let n = 0;
  const timer = setInterval(() => {
    n += 1;
    if (res.destroyed || n > max) return clearInterval(timer);
    res.write(chunk(n));
  }, ms);
  timers.add(timer);
  res.on('close', () => clearInterval(timer));
}

const idOf = (call: HostileCall) => JSON.stringify(call.id);
const json = (text: (call: HostileCall) => string): StreamableBehaviour => (call, res) => reply(res, text(call));
const answerWith = (result: string): StreamableBehaviour => json((c) => `{"jsonrpc":"2.0","id":${idOf(c)},"result":${result}}`);
const errorWith = (error: string): StreamableBehaviour => json((c) => `{"jsonrpc":"2.0","id":${idOf(c)},"error":${error}}`);
const sse = (events: (call: HostileCall) => string): StreamableBehaviour => (call, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(events(call));
};

/** Garbage whose answer must be a JSON-RPC error (there is no result to relay). */
const MUST_FAIL: Array<[string, StreamableBehaviour]> = [
  ['result null', answerWith('null')],
  ['result a string', answerWith('"all good"')],
  ['result an array', answerWith('[{"type":"text","text":"x"}]')],
  ['result a number', answerWith('42')],
  ['no result and no error', json((c) => `{"jsonrpc":"2.0","id":${idOf(c)}}`)],
  ['an answer to another id', json(() => JSON.stringify(okResult('gw-exchange-999999')))],
  ['the numeric form of the string id', json((c) => JSON.stringify(okResult(Number(String(c.id).replace(/\D/g, '')))))],
  ['a notification instead of an answer', json(() => '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}')],
  ['an error whose code is a string', errorWith('{"code":"-32000","message":"boom"}')],
  ['an error whose code is fractional', errorWith('{"code":-32000.5,"message":"boom"}')],
  ['an error that is a string', errorWith('"boom"')],
  ['not JSON', json(() => '<<garbage>> {')],
  ['empty body', json(() => '')],
  ['invalid UTF-8 outside strings', (call, res) => reply(res, Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${idOf(call)},"result":`), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('}')]))],
  ['Content-Type text/html', (call, res) => reply(res, `<html><body>${JSON.stringify(okResult(call.id))}</body></html>`, 'text/html')],
  ['a 500 with an HTML stack page', (_c, res) => reply(res, `<html><pre>${UPSTREAM_STACK}</pre></html>`, 'text/html', 500)],
  ['a 404 with an HTML body', (_c, res) => reply(res, '<html>Not Found</html>', 'text/html', 404)],
  ['a 401 with a Bearer challenge', (_c, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"', 'content-type': 'text/html' }).end('<h1>401</h1>')],
  ['a 202 with no body', (_c, res) => res.writeHead(202).end()],
  ['a 204', (_c, res) => res.writeHead(204).end()],
  ['SSE events that are not JSON', sse(() => sseEvent('not json at all'))],
  ['SSE events without data, then the end', sse(() => 'event: message\n\n: comment\n\nid: 7\n\nretry: 10\n\n')],
  ['SSE answer under another event type', sse((c) => sseEvent(JSON.stringify(okResult(c.id)), 'other'))],
  ['SSE with a result that is null', sse((c) => sseEvent(`{"jsonrpc":"2.0","id":${idOf(c)},"result":null}`))],
  ['the connection closed mid-body', (call, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 });
    res.write(`{"jsonrpc":"2.0","id":${idOf(call)},"res`);
    setTimeout(() => res.socket?.destroy(), 50);
  }],
  ['the connection closed mid-SSE-event', (call, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: message\ndata: {"jsonrpc":"2.0","id":${idOf(call)},"result":{"content":[]`);
    setTimeout(() => res.socket?.destroy(), 50);
  }],
  ['no answer at all (accepted, never answered)', () => undefined],
  ['headers, then silence', (_c, res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders()],
  ['a chunked body that never ends', (call, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`{"jsonrpc":"2.0","id":${idOf(call)},`);
    every(res, 300, () => ' ');
  }],
  ['an endless SSE stream of keep-alives', (_c, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    every(res, 200, () => ': keep-alive\n\n');
  }],
  ['an endless SSE stream of progress for its own request', (call, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    every(res, 200, (n) => sseEvent(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: call.id, progress: n } })));
  }],
  ['an endless SSE stream of other requests’ messages', (_c, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    every(res, 200, (n) => sseEvent(JSON.stringify(okResult(`gw-other-${n}`))));
  }],
  ['JSON nested 20,000 deep in the result', answerWith(`{"content":[],"structuredContent":{"a":${nested(20_000)}}}`)],
  ['JSON nested 20,000 deep in an SSE result', sse((c) => sseEvent(`{"jsonrpc":"2.0","id":${idOf(c)},"result":{"content":[],"structuredContent":{"a":${nested(20_000)}}}}`))],
  ['JSON nested 20,000 deep in error data', errorWith(`{"code":-32000,"message":"deep","data":${nested(20_000)}}`)],
];

let nextId = 0;
/** Alternates string and numeric client ids: both must come back exactly. */
const clientId = () => ((nextId += 1) % 2 === 0 ? `c-${nextId}` : nextId);

describe('a hostile upstream on the direct exchange', () => {
  describe.each(['bad__junk', 'raw__junk'])('(%s: sanitization on, then off)', (tool) => {
    it.each(MUST_FAIL)('answering with %s gives the caller a JSON-RPC error with its own id', async (_name, behaviour) => {
      setup.hostile.onStreamableCall(behaviour);
      const id = clientId();
      const answer = await callTool(setup.gateway, tool, id);
      const error = expectWellFormed(answer, id, DEADLINE_MS);
      expect(error, answer.text.slice(0, 300)).toBeDefined();
      expect([-32001, -32002]).toContain(error?.code);
      expect(error?.message).toMatch(/^Upstream (bad|raw) (failed|timed out)$/);
      setup.behave();
      await expectHealthyStillServed(setup.gateway);
    });
  });

  it('a silent upstream fails the call at timeoutMs, not at maxDurationMs', async () => {
    setup.hostile.onStreamableCall(() => undefined);
    const answer = await callTool(setup.gateway, 'bad__junk', 'silent');
    expect(expectWellFormed(answer, 'silent', DEADLINE_MS)?.code).toBe(-32002);
    expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(answer.ms).toBeLessThan(MAX_DURATION_MS);
  });

  it('a redirect to another origin is not followed', async () => {
    const before = trapHits;
    for (const status of [301, 302, 307, 308]) {
      setup.hostile.onStreamableCall((_c, res) => res.writeHead(status, { location: `${trap.url}/mcp` }).end());
      const answer = await callTool(setup.gateway, 'bad__junk', `redirect-${status}`);
      expect(expectWellFormed(answer, `redirect-${status}`, DEADLINE_MS)?.code).toBe(-32001);
    }
    expect(trapHits).toBe(before);
    await expectHealthyStillServed(setup.gateway);
  });

  it('invalid UTF-8 inside a string is relayed as replacement characters in a valid result', async () => {
    setup.hostile.onStreamableCall((call, res) =>
      reply(res, Buffer.concat([Buffer.from(`{"jsonrpc":"2.0","id":${idOf(call)},"result":{"content":[{"type":"text","text":"a`), Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]), Buffer.from('b"}]}}')])),
    );
    const answer = await callTool(setup.gateway, 'bad__junk', 'utf8');
    expect(expectWellFormed(answer, 'utf8', DEADLINE_MS)).toBeUndefined();
    expect(answer.json).toMatchObject({ result: { content: [{ text: expect.stringMatching(/^a\uFFFD.*b$/) as unknown }] } });
  });

  it('an answer with both result and error is answered in one well-formed shape', async () => {
    setup.hostile.onStreamableCall(json((c) => `{"jsonrpc":"2.0","id":${idOf(c)},"result":{"content":[]},"error":{"code":-32000,"message":"both"}}`));
    expectWellFormed(await callTool(setup.gateway, 'bad__junk', 'both'), 'both', DEADLINE_MS);
  });

  it('__proto__ keys in a result or an error do not pollute the gateway’s objects', async () => {
    setup.hostile.onStreamableCall(answerWith('{"content":[{"type":"text","text":"p"}],"__proto__":{"polluted":true,"isError":true},"constructor":{"prototype":{"polluted":true}}}'));
    const answer = await callTool(setup.gateway, 'bad__junk', 'proto');
    expectWellFormed(answer, 'proto', DEADLINE_MS);
    setup.hostile.onStreamableCall(errorWith('{"code":-32000,"message":"p","data":{"__proto__":{"polluted":true}}}'));
    expectWellFormed(await callTool(setup.gateway, 'bad__junk', 'proto-error'), 'proto-error', DEADLINE_MS);
    expectPrototypeClean();
  });

  it('a Content-Encoding the gateway never asked for is answered in one well-formed shape', async () => {
    setup.hostile.onStreamableCall((call, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(JSON.stringify(okResult(call.id))));
    expectWellFormed(await callTool(setup.gateway, 'bad__junk', 'gzip'), 'gzip', DEADLINE_MS);
    setup.hostile.onStreamableCall((_c, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad])));
    expectWellFormed(await callTool(setup.gateway, 'bad__junk', 'gzip-bad'), 'gzip-bad', DEADLINE_MS);
  });
});
