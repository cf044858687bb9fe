/**
 * The tool-use loop end to end: a scripted Claude (the fake Messages API), the chat client, a
 * real gateway process, and behind it the SentraIP simulator + broker and an upstream MCP server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInMemoryTracing, startTelemetry } from '@mcpgw/telemetry/node';
import { echoTool, failingTool, startFakeMcpUpstream, type FakeMcpUpstream, type FakeTool } from '@mcpgw/testing';
import { startChat, postChat, withKey, metricValue, type ChatHarness } from './support/chat-harness.js';
import { startFakeAnthropic, toolResultsOf, type FakeAnthropic } from './support/fake-anthropic.js';
import { startSystem, type TestSystem } from './support/system.js';

const HOLD_MS = 1000;
const holds: Array<{ start: number; end: number }> = [];
/** Holds the call for a second and records when it ran: overlapping intervals prove concurrency. */
const holdTool: FakeTool = {
  name: 'hold',
  description: 'Waits a second.',
  inputSchema: { type: 'object', properties: { label: { type: 'string' } }, additionalProperties: false },
  handler: async (args) => {
    const start = Date.now();
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    holds.push({ start, end: Date.now() });
    return { content: [{ type: 'text', text: `held ${String(args['label'])}` }] };
  },
};

const tracing = createInMemoryTracing();
let telemetry: { shutdown(): Promise<void> };
let fake: FakeAnthropic;
let upstream: FakeMcpUpstream;
let system: TestSystem;
let chat: ChatHarness;
let aliceKey: string;

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'claude-mcp-client-test', spanProcessors: [tracing.processor] });
  fake = await startFakeAnthropic();
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [holdTool, failingTool, echoTool] });
  system = await startSystem({ threatIntel: true, upstreams: [{ id: 'probe', url: upstream.url }] });
  chat = await startChat({
    system,
    env: { CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url, CHAT_MAX_TURNS: '3', CHAT_EXCHANGE_TOKEN_BUDGET: '5000' },
  });
  aliceKey = await system.createUserKey('alice');
});

afterAll(async () => {
  await chat?.close();
  await system?.close();
  await upstream?.close();
  await fake?.close();
  await telemetry?.shutdown();
});

beforeEach(() => {
  fake.reset();
  holds.length = 0;
});

describe('the tool-use loop through the gateway', () => {
  it('answers with the final text after Claude calls sentraip_threat_check, which reaches the simulator through the gateway', async () => {
    fake.enqueue(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_threat', name: 'sentraip_threat_check', input: { target: '203.0.113.1', type: 'ip' } }] },
      { kind: 'message', content: [{ type: 'text', text: '203.0.113.1 is rated CRITICAL (9/10) by SentraIP.' }] },
    );
    const lookupsBefore = await simulatorLookups();

    const { status, body } = await postChat(chat.url, { message: 'Check the threat level for IP 203.0.113.1' }, withKey(aliceKey));

    expect(status).toBe(200);
    expect(body['response']).toBe('203.0.113.1 is rated CRITICAL (9/10) by SentraIP.');
    expect(body['degraded']).toBe(false);
    expect(body['tools_called']).toEqual([
      expect.objectContaining({ id: 'toolu_threat', name: 'sentraip_threat_check', input: { target: '203.0.113.1', type: 'ip' }, is_error: false }),
    ]);
    expect(body['context']).toMatchObject({ model: 'claude-sonnet-5', turns: 2, stop_reason: 'end_turn', usage: { input_tokens: 200, output_tokens: 40 } });
    expect(typeof body['session_id']).toBe('string');
    expect(Date.parse(String(body['timestamp']))).not.toBeNaN();

    // What Claude was offered and what it got back.
    const [first, second] = fake.requests;
    // The SDK presents the key (as `x-api-key` or a bearer token, depending on its version).
    expect(`${first?.headers['x-api-key'] ?? ''} ${first?.headers.authorization ?? ''}`).toContain('sk-ant-test-0123456789');
    expect(first?.body.model).toBe('claude-sonnet-5');
    expect(first?.body.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(['sentraip_threat_check', 'tyk_api_analytics', 'claude_context_search', 'probe__hold']));
    expect(first?.body.tools?.find((t) => t.name === 'sentraip_threat_check')?.input_schema).toMatchObject({ type: 'object', required: ['target', 'type'] });
    const [result] = toolResultsOf(second ?? fake.requests[0]!);
    expect(result).toMatchObject({ tool_use_id: 'toolu_threat' });
    expect(result?.is_error).toBeUndefined();
    expect(result?.content).toContain('"risk_level":"critical"');
    expect(result?.content).toContain('"threat_score":9');
    expect(await simulatorLookups()).toBeGreaterThan(lookupsBefore);

    // The gateway's audit trail records the call as the chat client's.
    await expect
      .poll(() => system.audit.events.find((e) => e.tool === 'sentraip_threat_check' && e.type === 'mcp.request'), { timeout: 15_000 })
      .toMatchObject({ client_id: 'claude-mcp-client', user: 'claude-mcp-client', decision: 'allow', status: 200 });
  });

  it('runs the tool_use blocks of one turn concurrently', async () => {
    fake.enqueue(
      {
        kind: 'message',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_a', name: 'probe__hold', input: { label: 'a' } },
          { type: 'tool_use', id: 'toolu_b', name: 'probe__hold', input: { label: 'b' } },
        ],
      },
      { kind: 'message', content: [{ type: 'text', text: 'Both done.' }] },
    );
    const { status, body } = await postChat(chat.url, { message: 'hold twice' }, withKey(aliceKey));
    expect(status).toBe(200);
    expect(body['response']).toBe('Checking both.\n\nBoth done.');
    expect(holds).toHaveLength(2);
    // Each call holds for a second; run one after the other, the second would start after the first ended.
    expect(Math.max(...holds.map((h) => h.start))).toBeLessThan(Math.min(...holds.map((h) => h.end)));
    expect(toolResultsOf(fake.requests[1]!).map((r) => [r.tool_use_id, r.content])).toEqual([
      ['toolu_a', 'held a'],
      ['toolu_b', 'held b'],
    ]);
  });

  it('returns a failing or unknown tool to Claude as an is_error tool_result and carries on', async () => {
    fake.enqueue(
      {
        kind: 'message',
        content: [
          { type: 'tool_use', id: 'toolu_fail', name: 'probe__fail', input: {} },
          { type: 'tool_use', id: 'toolu_ghost', name: 'no_such_tool', input: {} },
          { type: 'tool_use', id: 'toolu_echo', name: 'probe__echo', input: { text: 'still here' } },
        ],
      },
      { kind: 'message', content: [{ type: 'text', text: 'One lookup failed; the echo worked.' }] },
    );
    const { status, body } = await postChat(chat.url, { message: 'try the tools' }, withKey(aliceKey));
    expect(status).toBe(200);
    expect(body['response']).toBe('One lookup failed; the echo worked.');
    const results = toolResultsOf(fake.requests[1]!);
    expect(results).toEqual([
      { tool_use_id: 'toolu_fail', content: 'upstream tool failed', is_error: true },
      { tool_use_id: 'toolu_ghost', content: expect.stringContaining('no such tool') as string, is_error: true },
      { tool_use_id: 'toolu_echo', content: 'still here' },
    ]);
    expect(body['tools_called']).toEqual([
      expect.objectContaining({ name: 'probe__fail', is_error: true }),
      expect.objectContaining({ name: 'probe__echo', is_error: false }),
    ]);
    expect(await metricValue(chat.registry, 'chat_tool_calls_total', { tool: 'probe__fail', outcome: 'tool_error' })).toBeGreaterThanOrEqual(1);
  });

  it('stops a model that never stops calling tools at the turn limit', async () => {
    fake.setScript((_req, i) => ({ kind: 'message', content: [{ type: 'tool_use', id: `toolu_loop_${i}`, name: 'probe__echo', input: { text: `round ${i}` } }] }));
    const { status, body } = await postChat(chat.url, { message: 'loop forever' }, withKey(aliceKey));
    expect(status).toBe(422);
    expect(body).toMatchObject({ error: 'CHAT_ERR_TOOL_LOOP_LIMIT' });
    expect(fake.requests).toHaveLength(3);
    const details = body['details'] as { turns: number; tools_called: unknown[] };
    expect(details.turns).toBe(3);
    // The third request's tool_use is not run: nobody would read its result.
    expect(details.tools_called).toHaveLength(2);
  });

  it('stops when the exchange has spent its token budget', async () => {
    fake.setScript(() => ({ kind: 'message', usage: { input_tokens: 4000, output_tokens: 1500 }, content: [{ type: 'tool_use', name: 'probe__echo', input: { text: 'x' } }] }));
    const { status, body } = await postChat(chat.url, { message: 'spend it all' }, withKey(aliceKey));
    expect(status).toBe(422);
    expect(body).toMatchObject({ error: 'CHAT_ERR_TOOL_LOOP_LIMIT', message: 'the exchange exceeded its token budget' });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('telemetry', () => {
  it('traces model calls as `chat {model}` with token usage and tool calls as `execute_tool {tool}`, and counts them', async () => {
    tracing.exporter.reset();
    const usage = { input_tokens: 120, output_tokens: 30 };
    fake.enqueue(
      { kind: 'message', usage, content: [{ type: 'tool_use', id: 'toolu_traced', name: 'probe__echo', input: { text: 'traced' } }] },
      { kind: 'message', usage, content: [{ type: 'text', text: 'traced.' }] },
    );
    const tokensBefore = await metricValue(chat.registry, 'chat_tokens_total', { direction: 'input', model: 'claude-sonnet-5' });
    const { status } = await postChat(chat.url, { message: 'trace me' }, withKey(aliceKey));
    expect(status).toBe(200);
    await tracing.processor.forceFlush();
    const spans = tracing.exporter.getFinishedSpans();
    const modelSpans = spans.filter((s) => s.name === 'chat claude-sonnet-5');
    expect(modelSpans).toHaveLength(2);
    expect(modelSpans[0]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-5',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
    });
    const toolSpan = spans.find((s) => s.name === 'execute_tool probe__echo');
    expect(toolSpan?.attributes).toMatchObject({ 'gen_ai.tool.name': 'probe__echo', 'gen_ai.tool.call.id': 'toolu_traced', 'mcp.outcome': 'ok' });
    const traceId = toolSpan?.spanContext().traceId;
    expect(modelSpans.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    // The gateway continued the trace to the upstream that ran the tool.
    expect(upstream.calls.at(-1)?.headers['traceparent']).toContain(String(traceId));

    expect((await metricValue(chat.registry, 'chat_tokens_total', { direction: 'input', model: 'claude-sonnet-5' })) - tokensBefore).toBe(240);
    expect(await metricValue(chat.registry, 'chat_tool_calls_total', { tool: 'probe__echo', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(await chat.registry.metrics()).toMatch(/chat_request_duration_seconds_count\{[^}]*endpoint="chat"[^}]*outcome="ok"[^}]*\} [1-9]/);
  });
});

async function simulatorLookups(): Promise<number> {
  const response = await fetch(`${system.simulator?.url}/_sim/stats`);
  return ((await response.json()) as { lookups: number }).lookups;
}
