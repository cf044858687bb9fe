import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/** What a tool sees besides its arguments. */
export interface ToolContext {
  /** Aborted when the client cancels the call or goes away. */
  readonly signal: AbortSignal;
}

/** A tool of this server: zod schemas (compiled once) and a handler. */
export interface SandboxTool<I = unknown> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Validates `arguments`; its JSON Schema is the tool's `inputSchema`. */
  readonly input: z.ZodType<I>;
  /** Describes `structuredContent`; its JSON Schema is the tool's `outputSchema`. */
  readonly output: z.ZodType;
  readonly annotations?: ToolAnnotations;
  run(args: I, ctx: ToolContext): Promise<CallToolResult>;
}

/** Arguments that passed the schema but make no sense (e.g. a regex outside the safe subset): -32602. */
export class InvalidToolArguments extends Error {
  readonly code = 'INVALID_ARGUMENTS';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
    this.name = 'InvalidToolArguments';
  }
}

/** Codes of {@link ToolFailure}. */
export type ToolFailureCode = 'CORPUS_UNAVAILABLE' | 'SEARCH_BUDGET_EXCEEDED' | 'CANCELLED';

/** The tool ran and could not do its job: an `isError: true` result the model can read. */
export class ToolFailure extends Error {
  constructor(
    readonly code: ToolFailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ToolFailure';
  }
}

/**
 * Hides a tool's argument type so tools of different types share one registry. Sound because the
 * registry only ever passes `run` what `input` parsed.
 */
export function eraseArgs<I>(tool: SandboxTool<I>): SandboxTool<unknown> {
  return {
    ...tool,
    input: tool.input as z.ZodType<unknown>,
    run: (args, ctx) => tool.run(args as I, ctx),
  };
}
