import { Writable } from 'node:stream';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { eraseArgs, InvalidToolArguments, ToolFailure, type SandboxTool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';

const echo: SandboxTool<{ word: string; times: number }> = {
  name: 'echo',
  title: 'Echo',
  description: 'repeats a word',
  input: z.strictObject({
    word: z.string().max(10),
    times: z.number().int().min(1).max(3).default(1),
  }),
  output: z.object({ text: z.string() }),
  async run({ word, times }) {
    if (word === 'fail') throw new ToolFailure('CORPUS_UNAVAILABLE', 'nothing to echo');
    if (word === 'bad') throw new InvalidToolArguments('word', 'must not be bad');
    if (word === 'crash') throw new Error('secret internals');
    const text = word.repeat(times);
    return { content: [{ type: 'text', text }], structuredContent: { text } };
  },
};

function setup() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const registry = createMetricsRegistry({ service: 'test', collectDefaultMetrics: false });
  const tools = new ToolRegistry([eraseArgs(echo)], {
    logger: createLogger({ service: 'test', stream }),
    registry,
  });
  const ctx = { signal: new AbortController().signal };
  return { tools, registry, lines, ctx };
}

async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof McpError) return err;
    throw err;
  }
  throw new Error('expected an McpError');
}

describe('ToolRegistry', () => {
  it('publishes the JSON Schemas once, without the $schema dialect', () => {
    const [definition] = setup().tools.definitions;
    expect(definition).toMatchObject({
      name: 'echo',
      title: 'Echo',
      inputSchema: {
        type: 'object',
        properties: {
          word: { type: 'string', maxLength: 10 },
          times: { type: 'integer', minimum: 1, maximum: 3, default: 1 },
        },
        required: ['word'],
        additionalProperties: false,
      },
      outputSchema: { type: 'object', properties: { text: { type: 'string' } } },
    });
    expect(definition?.inputSchema).not.toHaveProperty('$schema');
  });

  it('runs a valid call with defaults applied and counts it', async () => {
    const { tools, registry, ctx } = setup();
    const result = await tools.call('echo', { word: 'ab', times: 2 }, undefined, ctx);
    expect(result).toEqual({
      content: [{ type: 'text', text: 'abab' }],
      structuredContent: { text: 'abab' },
    });
    expect((await tools.call('echo', { word: 'x' }, undefined, ctx)).structuredContent).toEqual({
      text: 'x',
    });
    expect(await registry.metrics()).toMatch(
      /mcp_tool_executions_total\{tool="echo",outcome="success"[^}]*\} 2/,
    );
  });

  it('answers bad arguments with -32602 naming the field', async () => {
    const { tools, ctx } = setup();
    const tooLong = await rpcError(tools.call('echo', { word: 'x'.repeat(11) }, undefined, ctx));
    expect(tooLong.code).toBe(ErrorCode.InvalidParams);
    expect(tooLong.message).toMatch(/Invalid arguments for tool echo: word: Too big/);
    const extra = await rpcError(tools.call('echo', { word: 'x', loud: true }, undefined, ctx));
    expect(extra.message).toMatch(/Unrecognized key: "loud"/);
    const missing = await rpcError(tools.call('echo', undefined, undefined, ctx));
    expect(missing.message).toMatch(/word: /);
    const semantic = await rpcError(tools.call('echo', { word: 'bad' }, undefined, ctx));
    expect(semantic.code).toBe(ErrorCode.InvalidParams);
    expect(semantic.message).toMatch(/word: must not be bad/);
  });

  it('answers an unknown tool with -32602', async () => {
    const { tools, ctx } = setup();
    const error = await rpcError(tools.call('nope', {}, undefined, ctx));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(error.message).toMatch(/Unknown tool: nope/);
  });

  it('turns failures into isError results, hiding unexpected errors from the caller', async () => {
    const { tools, lines, registry, ctx } = setup();
    expect(await tools.call('echo', { word: 'fail' }, undefined, ctx)).toEqual({
      content: [{ type: 'text', text: 'nothing to echo' }],
      isError: true,
    });
    const crash = await tools.call('echo', { word: 'crash' }, undefined, ctx);
    expect(crash).toEqual({
      content: [{ type: 'text', text: 'echo failed with an internal error' }],
      isError: true,
    });
    expect(lines.join('')).toContain('secret internals'); // logged for the operator only
    expect(await registry.metrics()).toMatch(/outcome="tool_error"[^}]*\} 2/);
  });
});
