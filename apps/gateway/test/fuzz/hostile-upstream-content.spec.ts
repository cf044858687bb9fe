/**
 * What a hostile upstream puts *inside* a well-framed answer: results a client cannot accept,
 * error messages with stack traces or megabytes of text, secrets in error data — on the direct
 * exchange (`bad`, `raw`), on the SDK client's path (`old`, legacy HTTP+SSE) and through the REST
 * facade; then generated garbage (fast-check) on both paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callRest, callTool, expectHealthyStillServed, expectNothingLeaked, expectPrototypeClean, expectWellFormed } from './hostile-upstream-checks.js';
import { DEADLINE_MS, useHostileSetup } from './hostile-upstream-setup.js';
import { PLANTED_SECRETS, reply, sseEvent, UPSTREAM_STACK, type HostileCall } from './hostile-upstream-support.js';
import { MODERN_META, modernHeaders, send } from './support/fuzz-http.js';

const setup = useHostileSetup();

/** Makes both transports answer every call with `message(call)` (a JSON-RPC message object). */
function answerEverywhere(message: (call: HostileCall) => unknown): void {
  setup.hostile.onStreamableCall((call, res) => reply(res, JSON.stringify(message(call))));
  setup.hostile.onLegacyCall((call) => sseEvent(JSON.stringify(message(call))));
}
const withResult = (result: unknown) => answerEverywhere((call) => ({ jsonrpc: '2.0', id: call.id, result }));
const withError = (error: unknown) => answerEverywhere((call) => ({ jsonrpc: '2.0', id: call.id, error }));

const TOOLS = ['bad__junk', 'raw__junk', 'old__junk'] as const;

/**
 * Results framed correctly whose content no spec-following client accepts (on the legacy SSE path
 * the SDK client drops the `_meta` one itself, so that call ends at its timeout, -32002).
 */
const INVALID_RESULTS: Array<[string, Record<string, unknown>]> = [
  ['content a string', { content: 'hello' }],
  ['content an object', { content: { type: 'text', text: 'x' } }],
  ['content items that are not objects', { content: [1, 'x', null] }],
  ['a text item whose text is a number', { content: [{ type: 'text', text: 5 }] }],
  ['an item of an unknown type', { content: [{ type: 'bogus', payload: 'x' }] }],
  ['isError the string "true"', { content: [{ type: 'text', text: 'x' }], isError: 'true' }],
  ['structuredContent an array', { content: [], structuredContent: [1, 2] }],
  ['_meta a string', { content: [], _meta: 'meta' }],
];

let nextId = 0;
const clientId = () => ((nextId += 1) % 2 === 0 ? `h-${nextId}` : nextId);

describe.each(TOOLS)('%s: results a client cannot accept', (tool) => {
  // Fixed (regression test): results framed correctly were relayed unvalidated, e.g. `result.content: "hello"` or
  // `isError: "true"`, which the SDK's CallToolResultSchema rejects; now -32001 "Upstream … failed" (result-shape.ts).
  for (const [name, result] of INVALID_RESULTS) {
    it(`${name} is never relayed as a result`, async () => {
      withResult(result);
      const id = clientId();
      expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS);
    });
  }

  it('a valid result without content (allowed by the SDK’s schema) is relayed', async () => {
    withResult({ structuredContent: { a: 1 } });
    const id = clientId();
    expect(expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS)).toBeUndefined();
  });
});

describe.each(TOOLS)('%s: what an upstream error carries', (tool) => {
  it('secrets in its message and data are redacted, unless the tool’s policy turns redaction off', async () => {
    withError({ code: -32050, message: `denied for ${PLANTED_SECRETS.bearer}`, data: { key: PLANTED_SECRETS.awsKeyId, note: PLANTED_SECRETS.awsSecret } });
    const id = clientId();
    const answer = await callTool(setup.gateway, tool, id);
    if (tool === 'raw__junk') {
      expect(answer.json).toMatchObject({ id, error: { code: -32050, data: { key: PLANTED_SECRETS.awsKeyId } } });
      return;
    }
    expect(expectWellFormed(answer, id, DEADLINE_MS)?.code).toBe(-32050);
  });

  // Fixed (regression test, SDK path): the upstream's own -32000 / -32001 errors were taken for the SDK's local ones and
  // counted against the breaker; the SDK's ProtocolError now tells them apart (upstream-errors.ts).
  it('its own -32000 "Server error" is relayed, not counted as a failure', async () => {
    withError({ code: -32000, message: 'tool backend said no' });
    const id = clientId();
    expect(expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS)).toMatchObject({ code: -32000, message: 'tool backend said no' });
  });

  // Fixed (regression test): an upstream error message was relayed with its stack frames and source paths; it is now
  // cut at its first stack frame (upstream-errors.ts relayedMessage).
  it('a stack trace in its message never reaches the client', async () => {
    withError({ code: -32050, message: UPSTREAM_STACK });
    expectNothingLeaked((await callTool(setup.gateway, tool, clientId())).text);
  });

  // Fixed (regression test): a 10 MiB `error.message` was relayed whole; it is now cut at 1,024 characters.
  it('a 10 MiB message is not relayed whole', async () => {
    withError({ code: -32050, message: 'x'.repeat(10 * 1024 * 1024) });
    const id = clientId();
    expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS);
  });

  // Fixed (regression test, direct exchange): any JS integer was relayed as the upstream's code, which the SDK's
  // JSONRPCMessageSchema (safe integers) rejects; now -32001. The SDK path drops such an answer and times out (-32002).
  it.each([2 ** 60, 1e300])('a code of %d is never relayed as such', async (code) => {
    withError({ code, message: 'big' });
    const id = clientId();
    expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS);
  });
});

describe('input_required from a 2025-era upstream', () => {
  // Review finding (regression test): a 2025-era upstream's `input_required` answer reached a modern client as it was,
  // with input requests its config (serverRequests: none) does not allow; that revision has no such answer: garbage.
  it('is refused for a modern client, whatever it asks', async () => {
    withResult({ resultType: 'input_required', inputRequests: { s: { method: 'sampling/createMessage', params: { messages: [], maxTokens: 9 } } }, requestState: 'x' });
    const answer = await send(setup.gateway.mcpUrl, {
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...modernHeaders('tools/call', 'bad__junk') },
      body: { jsonrpc: '2.0', id: 'modern-ir', method: 'tools/call', params: { name: 'bad__junk', arguments: {}, _meta: MODERN_META } },
    });
    expect(answer.json).toMatchObject({ id: 'modern-ir', error: { code: -32001, message: 'Upstream bad failed' } });
  });
});

describe('an upstream error message longer than the client gets', () => {
  // Review finding (regression test): the message was cut at 1,024 characters before it was redacted, so a secret
  // straddling the cut escaped its pattern and all but its last characters reached the client.
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  it.each(['bad__junk', 'old__junk'])('%s: a secret across the cut is redacted whole', async (tool) => {
    for (const pad of [962, 980, 1000]) {
      withError({ code: -32050, message: `${'x'.repeat(pad)} aws_secret_access_key=${SECRET}` });
      const id = clientId();
      const error = expectWellFormed(await callTool(setup.gateway, tool, id), id, DEADLINE_MS);
      expect(error?.message.length).toBeLessThanOrEqual(1025);
      expect(error?.message).not.toContain(SECRET.slice(0, 12));
    }
  });
});

describe('the REST facade and upstream errors', () => {
  it('secrets in an upstream error’s data are redacted in `details`', async () => {
    withError({ code: -32050, message: `denied for ${PLANTED_SECRETS.bearer}`, data: { key: PLANTED_SECRETS.awsKeyId, note: PLANTED_SECRETS.awsSecret } });
    const answer = await callRest(setup.gateway, 'bad__junk');
    expect(answer.status).toBe(502);
    expectNothingLeaked(answer.text);
  });

  // Fixed (regression test): same root as on /mcp; the 502 envelope's message carried the upstream's stack frames.
  it('a stack trace in an upstream error’s message never reaches the client', async () => {
    withError({ code: -32050, message: UPSTREAM_STACK });
    expectNothingLeaked((await callRest(setup.gateway, 'bad__junk')).text);
  });
});

describe('the REST facade in front of a hostile upstream', () => {
  it.each<[string, () => void, number]>([
    ['result null', () => withResult(null), 503],
    ['not JSON', () => setup.hostile.onStreamableCall((_c, res) => reply(res, '<<garbage>>')), 503],
    ['a 500 with an HTML stack page', () => setup.hostile.onStreamableCall((_c, res) => reply(res, `<pre>${UPSTREAM_STACK}</pre>`, 'text/html', 500)), 503],
    ['silence', () => setup.hostile.onStreamableCall(() => undefined), 504],
  ])('%s is an error envelope with nothing internal in it', async (_name, arrange, status) => {
    arrange();
    const answer = await callRest(setup.gateway, 'bad__junk');
    expect(answer.ms).toBeLessThan(DEADLINE_MS);
    expect(answer.status, answer.text.slice(0, 300)).toBe(status);
    expect(answer.json?.['error']).toBeTypeOf('string');
    expectNothingLeaked(answer.text);
  });
});

/** Bodies that are not a usable answer, or one whose result is valid or not an object at all. */
function garbageAnswer(): fc.Arbitrary<(call: HostileCall) => string> {
  const resultValue = fc.oneof(fc.constant({ content: [{ type: 'text', text: 'ok' }] }), fc.constant(null), fc.string(), fc.integer(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }));
  const envelope = fc.record(
    {
      jsonrpc: fc.constantFrom<unknown>('2.0', '1.0', 2, null),
      id: fc.oneof(fc.constant('SELF'), fc.jsonValue({ maxDepth: 1 })),
      result: resultValue,
      error: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ code: fc.oneof(fc.integer(), fc.double(), fc.string()), message: fc.oneof(fc.string({ maxLength: 50 }), fc.integer()) })),
      method: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }).map((text) => () => text),
    fc.jsonValue({ maxDepth: 4 }).map((value) => () => JSON.stringify(value)),
    envelope.map((message) => (call: HostileCall) => JSON.stringify(message.id === 'SELF' ? { ...message, id: call.id } : message)),
  );
}

describe('generated garbage', () => {
  it('on the direct exchange: any body, content type and status gives a well-formed answer with the caller’s id', async () => {
    const type = fc.constantFrom('application/json', 'text/event-stream', 'text/html', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain');
    const status = fc.constantFrom(200, 200, 200, 201, 202, 400, 404, 500, 503);
    await fc.assert(
      fc.asyncProperty(garbageAnswer(), type, status, async (body, contentType, code) => {
        setup.hostile.onStreamableCall((call, res) => reply(res, contentType === 'text/event-stream' ? sseEvent(body(call)) : body(call), contentType, code));
        const id = clientId();
        expectWellFormed(await callTool(setup.gateway, 'bad__junk', id), id, DEADLINE_MS);
      }),
      { numRuns: 60 },
    );
    expectPrototypeClean();
    setup.behave();
    await expectHealthyStillServed(setup.gateway);
  });

  it('on the SDK client’s path (legacy SSE): any event data gives a well-formed answer with the caller’s id', async () => {
    await fc.assert(
      fc.asyncProperty(garbageAnswer(), async (body) => {
        setup.hostile.onLegacyCall((call) => sseEvent(body(call)));
        const id = clientId();
        expectWellFormed(await callTool(setup.gateway, 'old__junk', id), id, DEADLINE_MS);
      }),
      { numRuns: 15 },
    );
    setup.behave();
    await expectHealthyStillServed(setup.gateway);
  });
});
