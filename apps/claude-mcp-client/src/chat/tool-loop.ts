import type { MessageParam, ToolResultBlockParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { toContentParams, type ChatModel } from '../claude/claude-model.js';
import { isAbort } from '../claude/model-failure.js';
import type { ModelToolset } from '../gateway/tool-definitions.js';
import type { Emit } from './chat-types.js';
import { toolResultText, type PlannedCall, type ToolRun } from './tool-runner.js';

/** What the loop produced so far (all of it on success, the partial state on failure). */
export interface LoopState {
  text: string;
  turns: number;
  stopReason: string;
  usage: { input_tokens: number; output_tokens: number };
  runs: ToolRun[];
}

/** The model failed (after the SDK's retries, or the breaker is open): the caller degrades. */
export class ModelFailedError extends Error {
  override readonly name = 'ModelFailedError';
  constructor(
    readonly state: LoopState,
    options: { cause: unknown },
  ) {
    super('the model call failed', options);
  }
}

/** The model was still calling tools at the turn limit, or the exchange spent its token budget. */
export class LoopLimitError extends Error {
  override readonly name = 'LoopLimitError';
  constructor(
    readonly why: 'turn_limit' | 'token_budget',
    readonly state: LoopState,
  ) {
    super(why === 'turn_limit' ? 'turn limit reached' : 'token budget spent');
  }
}

export interface ToolLoopInput {
  model: ChatModel;
  system: string;
  /** Earlier turns of the session, oldest first, ending with an assistant message (or empty). */
  history: readonly MessageParam[];
  userMessage: string;
  toolset: ModelToolset;
  maxTurns: number;
  tokenBudget: number;
  signal: AbortSignal;
  emit: Emit;
  runTools: (calls: readonly PlannedCall[]) => Promise<ToolRun[]>;
}

/**
 * The tool-use loop of the Messages API: ask the model; while it stops for `tool_use`, run every
 * requested tool (in parallel, through the gateway), answer each with a `tool_result` (failures
 * as `is_error: true`, so the model can explain or try something else) and ask again. Ends on
 * any other stop reason; {@link LoopLimitError} when the model still wants tools after `maxTurns`
 * turns or after spending `tokenBudget` tokens; {@link ModelFailedError} when the model cannot be reached; an abort propagates.
 * Text of successive turns is joined by a blank line, in the stream as in the result.
 */
export async function runToolLoop(input: ToolLoopInput): Promise<LoopState> {
  const state: LoopState = { text: '', turns: 0, stopReason: 'none', usage: { input_tokens: 0, output_tokens: 0 }, runs: [] };
  const messages: MessageParam[] = [...input.history, { role: 'user', content: input.userMessage }];
  for (;;) {
    let startedText = false;
    const onText = (delta: string) => {
      if (!delta) return;
      if (!startedText && state.text) appendText(state, input.emit, '\n\n');
      startedText = true;
      appendText(state, input.emit, delta);
    };
    let message;
    try {
      message = await input.model.turn({ system: input.system, messages, tools: input.toolset.tools }, { signal: input.signal, onText });
    } catch (err) {
      if (isAbort(err, input.signal)) throw err;
      throw new ModelFailedError(state, { cause: err });
    }
    state.turns += 1;
    state.stopReason = message.stop_reason ?? 'unknown';
    state.usage.input_tokens += message.usage.input_tokens;
    state.usage.output_tokens += message.usage.output_tokens;
    const uses = message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (message.stop_reason !== 'tool_use' || uses.length === 0) return state;
    // Checked before running the tools: results nobody will read are not worth the calls.
    if (state.turns >= input.maxTurns) throw new LoopLimitError('turn_limit', state);
    if (state.usage.input_tokens + state.usage.output_tokens >= input.tokenBudget) throw new LoopLimitError('token_budget', state);
    messages.push({ role: 'assistant', content: toContentParams(message.content) });
    messages.push({ role: 'user', content: await answerToolUses(uses, input, state) });
  }
}

async function answerToolUses(uses: readonly ToolUseBlock[], input: ToolLoopInput, state: LoopState): Promise<ToolResultBlockParam[]> {
  const known: PlannedCall[] = [];
  const results = new Map<string, ToolResultBlockParam>();
  for (const use of uses) {
    const gatewayName = input.toolset.gatewayName.get(use.name);
    const args = use.input;
    if (!gatewayName || !args || typeof args !== 'object' || Array.isArray(args)) {
      const why = gatewayName ? 'its input must be a JSON object' : 'no such tool is available';
      results.set(use.id, { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `${use.name} was not called: ${why}.` });
      continue;
    }
    known.push({ id: use.id, name: gatewayName, input: args as Record<string, unknown> });
  }
  const runs = await input.runTools(known);
  state.runs.push(...runs);
  for (const run of runs) {
    results.set(run.call.id, {
      type: 'tool_result',
      tool_use_id: run.call.id,
      content: toolResultText(run.outcome),
      ...(run.outcome.ok ? {} : { is_error: true }),
    });
  }
  // One result per tool_use, in the order the model asked (the API requires every id answered).
  return uses.flatMap((use) => results.get(use.id) ?? []);
}

function appendText(state: LoopState, emit: Emit, delta: string): void {
  state.text += delta;
  emit({ type: 'text', delta });
}
