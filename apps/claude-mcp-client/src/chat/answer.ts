import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { Logger } from '@mcpgw/telemetry';
import type { ChatModel } from '../claude/claude-model.js';
import { degradedReasonOf } from '../claude/model-failure.js';
import type { ChatLimits } from '../config.js';
import type { GatewayTool, GatewayTools } from '../gateway/gateway-tools.js';
import { toModelToolset } from '../gateway/tool-definitions.js';
import type { ChatMetrics, DegradedReason } from '../metrics.js';
import { planOfflineCalls } from '../offline/offline-planner.js';
import { renderOfflineSummary } from '../offline/offline-summary.js';
import type { Emit } from './chat-types.js';
import { systemPrompt } from './system-prompt.js';
import { ModelFailedError, runToolLoop, type LoopState } from './tool-loop.js';
import { ToolRunner, type ToolRun } from './tool-runner.js';

export interface AnswerDeps {
  gateway: GatewayTools;
  model?: ChatModel;
  metrics: ChatMetrics;
  logger: Logger;
  limits: ChatLimits;
}

/** An answer, however it was produced. */
export interface Answer {
  readonly text: string;
  readonly runs: readonly ToolRun[];
  readonly turns: number;
  readonly stopReason: string;
  readonly usage: { input_tokens: number; output_tokens: number };
  /** The model that answered; null when the offline planner did. */
  readonly model: string | null;
  readonly degradedReason?: DegradedReason;
}

/**
 * Answers one message: Claude's tool-use loop over the tools the gateway lists for this client,
 * or — without an API key, or when Claude fails (open breaker, 429/529 after the SDK's retries,
 * a spend limit) — the offline planner, whose templated answer is marked degraded. What Claude
 * already said and the tools it already ran are kept in a degraded answer.
 */
export async function answerExchange(
  deps: AnswerDeps,
  input: { message: string; history: readonly MessageParam[]; signal: AbortSignal; emit: Emit },
): Promise<Answer> {
  const { signal, emit } = input;
  const tools = await listTools(deps, signal);
  const names = new Set((tools ?? []).map((t) => t.name));
  const runner = new ToolRunner({ gateway: deps.gateway, metrics: deps.metrics, timeoutMs: deps.limits.toolTimeoutMs, knownTools: () => names });
  const runTools = (calls: Parameters<ToolRunner['runAll']>[0]) => runner.runAll(calls, { signal, emit });

  let reason: DegradedReason = 'no_api_key';
  let partial: LoopState = { text: '', turns: 0, stopReason: 'none', usage: { input_tokens: 0, output_tokens: 0 }, runs: [] };
  if (deps.model) {
    try {
      const state = await runToolLoop({
        model: deps.model,
        system: systemPrompt({ now: new Date(), toolNames: [...names] }),
        history: input.history,
        userMessage: input.message,
        toolset: toModelToolset(tools ?? []),
        maxTurns: deps.limits.maxTurns,
        tokenBudget: deps.limits.exchangeTokenBudget,
        signal,
        emit,
        runTools,
      });
      return { ...state, stopReason: state.stopReason, model: deps.model.model };
    } catch (err) {
      if (!(err instanceof ModelFailedError)) throw err;
      reason = degradedReasonOf(err.cause);
      partial = err.state;
      deps.logger.warn('Claude unavailable, answering offline', { reason, err: err.cause });
    }
  }

  const plan = planOfflineCalls(input.message, tools ? names : undefined);
  const runs = await runTools(plan.calls);
  const summary = renderOfflineSummary(reason, plan, runs);
  const delta = partial.text ? `\n\n${summary}` : summary;
  emit({ type: 'text', delta });
  deps.metrics.degradedAnswers.inc({ reason });
  return {
    text: partial.text + delta,
    runs: [...partial.runs, ...runs],
    turns: partial.turns,
    stopReason: 'offline',
    usage: partial.usage,
    model: null,
    degradedReason: reason,
  };
}

/** The tools this client may use; undefined when the gateway cannot say (the answer goes on without). */
async function listTools(deps: AnswerDeps, signal: AbortSignal): Promise<GatewayTool[] | undefined> {
  try {
    return await deps.gateway.list(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    deps.logger.warn('gateway tools unavailable', { err });
    return undefined;
  }
}
