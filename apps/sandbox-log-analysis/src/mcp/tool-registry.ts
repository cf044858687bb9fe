import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  extractTraceContext,
  getOrCreateCounter,
  getOrCreateHistogram,
  withSpan,
  type Logger,
} from '@mcpgw/telemetry';
import { InvalidToolArguments, ToolFailure, type SandboxTool, type ToolContext } from './tool.js';

type Outcome = 'success' | 'tool_error' | 'invalid_params';

/** JSON Schema of a zod schema as it goes on the wire (no `$schema`: clients default the dialect). */
function wireSchema(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(
      (issue) =>
        `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`,
    )
    .join('; ');
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * The tools of the server, with everything per-tool built once at start: the JSON Schemas sent in
 * `tools/list` and the zod validators run on `tools/call`. Argument errors are protocol errors
 * (-32602 naming the field, the SDK's `McpError`); failures while running are `isError` results.
 */
export class ToolRegistry {
  readonly definitions: readonly Tool[];
  private readonly byName: ReadonlyMap<string, SandboxTool<unknown>>;
  private readonly executions;
  private readonly duration;

  constructor(
    tools: ReadonlyArray<SandboxTool<unknown>>,
    private readonly deps: { logger: Logger; registry: Registry },
  ) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
    this.definitions = tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: wireSchema(t.input, 'input'),
      outputSchema: wireSchema(t.output, 'output'),
      ...(t.annotations ? { annotations: t.annotations } : {}),
    }));
    this.executions = getOrCreateCounter(deps.registry, {
      name: 'mcp_tool_executions_total',
      help: 'tools/call requests by tool and outcome',
      labelNames: ['tool', 'outcome'],
    });
    this.duration = getOrCreateHistogram(deps.registry, {
      name: 'mcp_tool_duration_seconds',
      help: 'tools/call handling time',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    });
  }

  /** Handles `tools/call`; `meta` is the request's `_meta` (its `traceparent` continues the caller's trace). */
  async call(
    name: string,
    args: unknown,
    meta: Record<string, unknown> | undefined,
    ctx: ToolContext,
  ): Promise<CallToolResult> {
    const tool = this.byName.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      this.executions.inc({ tool: name, outcome: 'invalid_params' });
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid arguments for tool ${name}: ${describeIssues(parsed.error)}`,
      );
    }
    const carrier = Object.fromEntries(
      Object.entries(meta ?? {}).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    return withSpan(
      `tools/call ${name}`,
      {
        attributes: { [ATTR_MCP_METHOD_NAME]: 'tools/call', [ATTR_GEN_AI_TOOL_NAME]: name },
        parent: 'traceparent' in carrier ? extractTraceContext(carrier) : undefined,
      },
      () => this.run(tool, parsed.data, ctx),
    );
  }

  /** Runs a validated call inside its span, so the log line carries the trace ids. */
  private async run(
    tool: SandboxTool<unknown>,
    args: unknown,
    ctx: ToolContext,
  ): Promise<CallToolResult> {
    const started = performance.now();
    let outcome: Outcome = 'success';
    try {
      return await tool.run(args, ctx);
    } catch (err) {
      if (err instanceof InvalidToolArguments) {
        outcome = 'invalid_params';
        throw new McpError(
          ErrorCode.InvalidParams,
          `Invalid arguments for tool ${tool.name}: ${err.message}`,
        );
      }
      outcome = 'tool_error';
      if (err instanceof ToolFailure) return errorResult(err.message);
      this.deps.logger.error('tool failed', { tool: tool.name, err });
      return errorResult(`${tool.name} failed with an internal error`);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.executions.inc({ tool: tool.name, outcome });
      this.duration.observe({ tool: tool.name }, seconds);
      this.deps.logger.info('tool call', {
        tool: tool.name,
        outcome,
        duration_ms: Math.round(seconds * 1000),
      });
    }
  }
}
