import { SpanKind } from '@opentelemetry/api';
import { ATTR_GEN_AI_TOOL_NAME, ATTR_MCP_METHOD_NAME, withSpan } from '@mcpgw/telemetry';
import type { GatewayTools, ToolOutcome } from '../gateway/gateway-tools.js';
import type { ChatMetrics } from '../metrics.js';
import type { Emit, ToolCallRecord } from './chat-types.js';

/** A tool call to make: the id the model (or the planner) gave it, the gateway tool and its input. */
export interface PlannedCall {
  readonly id: string;
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** A finished call. */
export interface ToolRun {
  readonly call: PlannedCall;
  readonly outcome: ToolOutcome;
  readonly durationMs: number;
}

const SUMMARY_MAX = 500;
const RESULT_MAX = 20_000;
/**
 * Calls run for one model turn; the model is told about the rest. Turns are bounded by
 * `CHAT_MAX_TURNS`, but one turn could ask for hundreds of calls, all on the service's key.
 */
export const MAX_CALLS_PER_TURN = 16;

/**
 * Runs tool calls through the gateway, all of one turn at once (the model asked for them
 * together, and they are independent lookups). Each call is a span `execute_tool {tool}` with
 * `gen_ai.tool.name`, a `chat_tool_calls_total` count, and `tool_call` / `tool_result` events.
 * A failing call never fails the turn: its outcome says what went wrong.
 */
export class ToolRunner {
  constructor(
    private readonly deps: {
      gateway: Pick<GatewayTools, 'call'>;
      metrics: ChatMetrics;
      timeoutMs: number;
      /** Tool names that may be metric labels (the listed tools); others are counted as `other`. */
      knownTools: () => ReadonlySet<string>;
    },
  ) {}

  runAll(calls: readonly PlannedCall[], options: { signal: AbortSignal; emit: Emit }): Promise<ToolRun[]> {
    for (const call of calls) options.emit({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
    // Every call gets a result (the model needs one per tool_use); those past the cap are not run.
    return Promise.all(calls.map((call, index) => (index < MAX_CALLS_PER_TURN ? this.runOne(call, options) : this.notRun(call, options))));
  }

  private async notRun(call: PlannedCall, options: { emit: Emit }): Promise<ToolRun> {
    const outcome: ToolOutcome = { ok: false, failure: 'refused', text: `not run: at most ${MAX_CALLS_PER_TURN} tool calls per turn; ask for the rest in the next turn` };
    this.deps.metrics.toolCalls.inc({ tool: this.deps.knownTools().has(call.name) ? call.name : 'other', outcome: 'refused' });
    options.emit({ type: 'tool_result', id: call.id, name: call.name, is_error: true, summary: outcome.text });
    return { call, outcome, durationMs: 0 };
  }

  private runOne(call: PlannedCall, options: { signal: AbortSignal; emit: Emit }): Promise<ToolRun> {
    const attributes = {
      'gen_ai.operation.name': 'execute_tool',
      [ATTR_GEN_AI_TOOL_NAME]: call.name,
      'gen_ai.tool.call.id': call.id,
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
    };
    return withSpan(`execute_tool ${call.name}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const started = performance.now();
      const outcome = await this.deps.gateway.call(call.name, { ...call.input }, { signal: options.signal, timeoutMs: this.deps.timeoutMs });
      const durationMs = Math.round(performance.now() - started);
      span.setAttribute('mcp.outcome', outcome.ok ? 'ok' : (outcome.failure ?? 'tool_error'));
      const tool = this.deps.knownTools().has(call.name) ? call.name : 'other';
      this.deps.metrics.toolCalls.inc({ tool, outcome: outcome.ok ? 'ok' : (outcome.failure ?? 'tool_error') });
      options.emit({ type: 'tool_result', id: call.id, name: call.name, is_error: !outcome.ok, summary: outcome.text.slice(0, SUMMARY_MAX) });
      return { call, outcome, durationMs };
    });
  }
}

/** The `tools_called` entry of a run. */
export function toRecord(run: ToolRun): ToolCallRecord {
  return { id: run.call.id, name: run.call.name, input: run.call.input, is_error: !run.outcome.ok, duration_ms: run.durationMs };
}

/**
 * The text the model receives as the `tool_result`: the tool's own text, plus its structured
 * content as JSON when there is any (exact values beat a prose summary).
 */
export function toolResultText(outcome: ToolOutcome): string {
  const structured = outcome.structured ? `\n\n${JSON.stringify(outcome.structured)}` : '';
  return `${outcome.text}${structured}`.slice(0, RESULT_MAX) || '(empty result)';
}
