/**
 * A gateway that answers garbage (HTML, broken JSON, 500 with a stack trace, foreign JSON-RPC ids)
 * or nothing at all, and one that lists hostile tool definitions. The chat client still answers
 * (with fewer tools, or offline) within bounded time, offers the model only valid tool names,
 * maps the model's names back to the gateway's, caps what a tool result may cost, and never leaks
 * a secret or a stack trace from the gateway into its answer.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeTool } from '@mcpgw/testing';
import type { McpMode } from './support/fake-gateway.js';
import { say, useTool } from '../support/fake-anthropic.js';
import { asService, leaks, post, startFuzzStack, type FuzzStack } from './support/fuzz-chat.js';

const user = asService('gateway-fuzz-user');

describe('a gateway that answers garbage on /mcp', () => {
  let stack: FuzzStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it.each<McpMode>(['html', 'invalid-json', 'status-500', 'wrong-jsonrpc'])('still lets Claude answer, without tools, when /mcp answers %s', async (mode) => {
    stack = await startFuzzStack({ claude: true });
    stack.gateway.mcpMode = mode;
    stack.model?.enqueue(useTool('echo', { text: 'x' }));
    stack.model?.setScript(() => say('answered without tools'));
    const answer = await post(stack.chat.url, '/chat', { message: 'hello' }, user);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response: 'answered without tools', degraded: false, tools_called: [] });
    expect(stack.model?.requests[0]?.body.tools ?? []).toEqual([]);
    expect(leaks(answer.text)).toBe(false);
  });

  it.each<McpMode>(['html', 'status-500'])('answers offline with every lookup marked failed when /mcp answers %s', async (mode) => {
    stack = await startFuzzStack();
    stack.gateway.mcpMode = mode;
    const answer = await post(stack.chat.url, '/chat', { message: 'check 203.0.113.7 and evil.example earlier' }, user);
    expect(answer.status).toBe(200);
    expect(answer.json?.['degraded']).toBe(true);
    const calls = answer.json?.['tools_called'] as Array<{ is_error: boolean }>;
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.is_error).toBe(true);
    expect(leaks(answer.text)).toBe(false);
  });

  it('answers within bounded time when /mcp never answers', async () => {
    stack = await startFuzzStack({ claude: true });
    stack.gateway.mcpMode = 'hang';
    const started = Date.now();
    const answer = await post(stack.chat.url, '/chat', { message: 'hello' }, user, { signal: AbortSignal.timeout(25_000) });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response: 'ok', degraded: false });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('hostile tool definitions', () => {
  const hostile: FakeTool[] = [
    ...['__proto__', 'constructor', 'logs.search', 'logs:search', 'x'.repeat(100), 'ünï-cödé'].map((name) => ({
      name,
      description: 'd'.repeat(10_000),
      inputSchema: { type: 'object' as const, $schema: 'http://json-schema.org/draft-07/schema#', $id: `urn:tool:${encodeURIComponent(name)}`, properties: { text: { type: 'string' } } },
      handler: () => ({ content: [{ type: 'text' as const, text: `called ${name}` }] }),
    })),
    { name: 'huge', inputSchema: { type: 'object' }, handler: () => ({ content: [{ type: 'text', text: 'y'.repeat(3_000_000) }] }) },
    ...Array.from({ length: 70 }, (_, i): FakeTool => ({ name: `t${i}`, inputSchema: { type: 'object' }, handler: () => ({ content: [{ type: 'text', text: `t${i}` }] }) })),
  ];
  let stack: FuzzStack;
  beforeAll(async () => {
    // v1 serves names and schemas verbatim (v2 refuses some of these names at registration).
    stack = await startFuzzStack({ claude: true, tools: hostile, sdk: 'v1' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('offers at most 64 tools, each with a valid name, a bounded description and an object schema', async () => {
    stack.model?.reset();
    expect((await post(stack.chat.url, '/chat', { message: 'list' }, user)).status).toBe(200);
    const tools = (stack.model?.requests[0]?.body.tools ?? []) as Array<{ name: string; description: string; input_schema: Record<string, unknown> }>;
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.length).toBeLessThanOrEqual(64);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(t.description.length).toBeLessThanOrEqual(4096);
      expect(t.input_schema).toMatchObject({ type: 'object' });
      expect(t.input_schema).not.toHaveProperty('$schema');
      expect(t.input_schema).not.toHaveProperty('$id');
    }
  });

  it('calls the gateway tool behind each offered name, whatever the model picks', async () => {
    stack.model?.reset();
    expect((await post(stack.chat.url, '/chat', { message: 'list' }, user)).status).toBe(200);
    const offered = ((stack.model?.requests[0]?.body.tools ?? []) as Array<{ name: string }>).map((t) => t.name);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...offered), async (name) => {
        stack.model?.reset();
        const before = stack.gateway.calledTools().length;
        stack.model?.enqueue(useTool(name, { text: 'x' }, 'toolu_pick'));
        stack.model?.setScript(() => say('done'));
        const answer = await post(stack.chat.url, '/chat', { message: `use ${name}` }, user);
        expect(answer.status).toBe(200);
        const called = stack.gateway.calledTools().slice(before);
        expect(called).toHaveLength(1);
        const gatewayName = called[0] ?? '';
        // The original name, which the model saw only in its rewritten form when it did not fit.
        expect(hostile.map((t) => t.name)).toContain(gatewayName);
        expect(answer.json?.['tools_called']).toEqual([expect.objectContaining({ id: 'toolu_pick', name: gatewayName, is_error: false })]);
      }),
      { numRuns: 15 },
    );
  });

  it('passes at most 20,000 characters of a huge tool result back to the model', async () => {
    stack.model?.reset();
    stack.model?.enqueue(useTool('huge', {}, 'toolu_huge'));
    stack.model?.setScript(() => say('read it'));
    const answer = await post(stack.chat.url, '/chat', { message: 'huge' }, user);
    expect(answer.status).toBe(200);
    const last = stack.model?.requests[1]?.body.messages.at(-1);
    const result = (last?.content as Array<{ content: string }>)[0];
    expect(result?.content.length).toBeLessThanOrEqual(20_000);
    expect(answer.text.length).toBeLessThan(100_000);
  });
});
