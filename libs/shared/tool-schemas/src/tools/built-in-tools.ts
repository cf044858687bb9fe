import { validateWith, type ValidationResult } from '../joi-helpers.js';
import type { JsonObjectSchema } from '../json-schema.js';
import {
  claudeContextSearchTool,
  type ContextSearchInput,
  type ContextSearchOutput,
} from './claude-context-search.js';
import {
  sentraipThreatCheckTool,
  type ThreatCheckInput,
  type ThreatCheckOutput,
} from './sentraip-threat-check.js';
import type { ToolAnnotations } from './tool-definition.js';
import {
  tykApiAnalyticsTool,
  type ApiAnalytics,
  type ApiAnalyticsInput,
} from './tyk-api-analytics.js';

/** Input type of each built-in tool, by name. */
export interface BuiltInToolInputs {
  sentraip_threat_check: ThreatCheckInput;
  tyk_api_analytics: ApiAnalyticsInput;
  claude_context_search: ContextSearchInput;
}

/** Output type of each built-in tool, by name. */
export interface BuiltInToolOutputs {
  sentraip_threat_check: ThreatCheckOutput;
  tyk_api_analytics: ApiAnalytics;
  claude_context_search: ContextSearchOutput;
}

/** Name of a built-in tool. */
export type BuiltInToolName = keyof BuiltInToolInputs;

/** The three built-in tools, in `tools/list` order. */
export const BUILT_IN_TOOLS = Object.freeze([
  sentraipThreatCheckTool,
  tykApiAnalyticsTool,
  claudeContextSearchTool,
] as const);

/** A built-in tool as it appears in an MCP `tools/list` result. */
export interface McpToolListEntry {
  name: BuiltInToolName;
  title: string;
  description: string;
  inputSchema: JsonObjectSchema;
  outputSchema: JsonObjectSchema;
  annotations: ToolAnnotations;
}

/** Whether `name` names a built-in tool. */
export function isBuiltInToolName(name: string): name is BuiltInToolName {
  return BUILT_IN_TOOLS.some((t) => t.name === name);
}

/** The wire definition of a built-in tool for `tools/list` (no joi objects, JSON only). */
export function toolListEntry(name: BuiltInToolName): McpToolListEntry {
  const tool = toolByName(name);
  const { title, description, inputSchema, outputSchema, annotations } = tool;
  return { name, title, description, inputSchema, outputSchema, annotations };
}

function toolByName(name: BuiltInToolName) {
  const tool = BUILT_IN_TOOLS.find((t) => t.name === name);
  if (!tool) throw new RangeError(`unknown built-in tool ${name}`);
  return tool;
}

function unknownTool(name: string): ValidationResult<never> {
  return { ok: false, errors: [{ field: 'name', message: `${name} is not a built-in tool` }] };
}

/**
 * Validates a built-in tool's arguments before any call: every problem named by field, no type
 * coercion, unknown keys rejected, defaults applied to the returned value.
 */
export function validateToolInput<N extends BuiltInToolName>(
  name: N,
  args: unknown,
): ValidationResult<BuiltInToolInputs[N]>;
export function validateToolInput(name: string, args: unknown): ValidationResult<unknown>;
export function validateToolInput(name: string, args: unknown): ValidationResult<unknown> {
  return isBuiltInToolName(name) ? validateWith(toolByName(name).input, args) : unknownTool(name);
}

/** Validates what a backend returned for a built-in tool before it goes to the client. */
export function validateToolOutput<N extends BuiltInToolName>(
  name: N,
  value: unknown,
): ValidationResult<BuiltInToolOutputs[N]>;
export function validateToolOutput(name: string, value: unknown): ValidationResult<unknown>;
export function validateToolOutput(name: string, value: unknown): ValidationResult<unknown> {
  return isBuiltInToolName(name) ? validateWith(toolByName(name).output, value) : unknownTool(name);
}
