import type { Message, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { ChatModel, ModelRequest } from '../claude/claude-model.js';
import { toModelToolset } from '../gateway/tool-definitions.js';
import type { ChatEvent } from './chat-types.js';
import { LoopLimitError, ModelFailedError, runToolLoop, type ToolLoopInput } from './tool-loop.js';
import type { PlannedCall, ToolRun } from './tool-runner.js';

type Turn = { text?: string[]; tools?: Array<{ id: string; name: string; input: unknown }> } | Error;

/** A scripted model: each turn streams its text pieces, then asks for its tools (if any). */
function scripted(turns: Turn[]): ChatModel & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    model: 'claude-test',
    requests,
    turn(request, { onText }) {
      requests.push({ ...request, messages: structuredClone(request.messages) as MessageParam[] });
      const turn = turns.shift();
      if (!turn) throw new Error('script exhausted');
      if (turn instanceof Error) return Promise.reject(turn);
      for (const piece of turn.text ?? []) onText(piece);
      const tools = turn.tools ?? [];
      return Promise.resolve({
        id: 'msg',
        type: 'message',
        role: 'assistant',
        model: 'claude-test',
        content: [
          ...(turn.text ? [{ type: 'text', text: turn.text.join(''), citations: null }] : []),
          ...tools.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: t.input })),
        ],
        stop_reason: tools.length ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5 },
      } as unknown as Message);
    },
  };
}

function input(model: ChatModel, overrides: Partial<ToolLoopInput> = {}) {
  const events: ChatEvent[] = [];
  const ran: PlannedCall[][] = [];
  const base: ToolLoopInput = {
    model,
    system: 'sys',
    history: [],
    userMessage: 'question',
    toolset: toModelToolset([{ name: 'echo', inputSchema: { type: 'object' } }]),
    maxTurns: 4,
    tokenBudget: 1000,
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
    runTools: (calls) => {
      ran.push([...calls]);
      return Promise.resolve(calls.map((call): ToolRun => ({ call, outcome: { ok: true, text: `echo ${JSON.stringify(call.input)}` }, durationMs: 1 })));
    },
  };
  return { events, ran, input: { ...base, ...overrides } };
}

describe('runToolLoop', () => {
  it('joins the text of successive turns with a blank line, in the stream and the result', async () => {
    const model = scripted([{ text: ['Checking', '.'], tools: [{ id: 't1', name: 'echo', input: { a: 1 } }] }, { text: ['Done', '!'] }]);
    const { events, input: loopInput } = input(model);
    const state = await runToolLoop(loopInput);
    expect(state).toMatchObject({ text: 'Checking.\n\nDone!', turns: 2, stopReason: 'end_turn', usage: { input_tokens: 20, output_tokens: 10 } });
    const streamed = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(streamed).toBe(state.text);
    expect(model.requests[1]?.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'echo {"a":1}' }] });
  });

  it('answers unknown tools and non-object inputs itself, without calling the gateway', async () => {
    const model = scripted([
      { tools: [{ id: 'a', name: 'ghost', input: {} }, { id: 'b', name: 'echo', input: 'nope' }, { id: 'c', name: 'echo', input: { ok: true } }] },
      { text: ['ok'] },
    ]);
    const { ran, input: loopInput } = input(model);
    await runToolLoop(loopInput);
    expect(ran).toEqual([[{ id: 'c', name: 'echo', input: { ok: true } }]]);
    const results = model.requests[1]?.messages.at(-1)?.content as Array<{ tool_use_id: string; is_error?: boolean }>;
    expect(results.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([['a', true], ['b', true], ['c', false]]);
  });

  it('raises ModelFailedError with what was done so far when the model fails', async () => {
    const overloaded = APIError.generate(529, { type: 'error', error: { type: 'overloaded_error', message: 'x' } }, undefined, new Headers());
    const model = scripted([{ text: ['Let me look.'], tools: [{ id: 't1', name: 'echo', input: {} }] }, overloaded]);
    const { input: loopInput } = input(model);
    const failure = await runToolLoop(loopInput).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ModelFailedError);
    expect((failure as ModelFailedError).state).toMatchObject({ text: 'Let me look.', turns: 1 });
    expect((failure as ModelFailedError).state.runs).toHaveLength(1);
    expect((failure as ModelFailedError).cause).toBe(overloaded);
  });

  it('lets an abort through as it is', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client left'));
    const model = scripted([new Error('aborted while streaming')]);
    const { input: loopInput } = input(model, { signal: controller.signal });
    await expect(runToolLoop(loopInput)).rejects.toThrow('aborted while streaming');
  });

  it('stops at the turn limit and at the token budget, before running tools nobody would read', async () => {
    const forever = () => scripted(Array.from({ length: 10 }, (_, i) => ({ tools: [{ id: `t${i}`, name: 'echo', input: {} }] })));
    const limited = input(forever(), { maxTurns: 2 });
    const turnLimit = await runToolLoop(limited.input).catch((err: unknown) => err);
    expect(turnLimit).toMatchObject({ why: 'turn_limit', state: { turns: 2 } });
    expect(limited.ran).toHaveLength(1);
    const budget = input(forever(), { tokenBudget: 30 });
    const spent = await runToolLoop(budget.input).catch((err: unknown) => err);
    expect(spent).toBeInstanceOf(LoopLimitError);
    expect(spent).toMatchObject({ why: 'token_budget', state: { turns: 2 } });
  });
});
