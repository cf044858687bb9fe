import type { Tool as AnthropicTool } from '@anthropic-ai/sdk/resources/messages';
import type { GatewayTool } from './gateway-tools.js';

/** Most tools offered to the model in one request (more only dilutes its choice and costs tokens). */
export const MAX_MODEL_TOOLS = 64;
const NAME_MAX = 64;
const DESCRIPTION_MAX = 4096;
// JSON Schema keywords that identify a document rather than constrain a value.
const DOCUMENT_KEYWORDS = new Set(['$schema', '$id']);

/** Tool definitions for the Messages API and the way back from the model's names to the gateway's. */
export interface ModelToolset {
  readonly tools: AnthropicTool[];
  /** Model tool name → gateway tool name. */
  readonly gatewayName: ReadonlyMap<string, string>;
}

/**
 * Converts the gateway's MCP tool definitions to Anthropic tool definitions. Names are kept when
 * they already fit the API's `^[a-zA-Z0-9_-]{1,64}$` (the gateway's built-ins and `upstream__tool`
 * names do); others are rewritten and de-duplicated, and the map leads back to the real name.
 * The input schema is passed on as JSON Schema, minus document keywords, and always `type: object`.
 */
export function toModelToolset(tools: readonly GatewayTool[]): ModelToolset {
  const gatewayName = new Map<string, string>();
  const out: AnthropicTool[] = [];
  for (const tool of tools.slice(0, MAX_MODEL_TOOLS)) {
    const name = uniqueName(modelName(tool.name), gatewayName);
    gatewayName.set(name, tool.name);
    out.push({
      name,
      description: (tool.description ?? `The ${tool.name} tool.`).slice(0, DESCRIPTION_MAX),
      input_schema: inputSchema(tool.inputSchema),
    });
  }
  return { tools: out, gatewayName };
}

function modelName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, NAME_MAX);
  return cleaned || 'tool';
}

function uniqueName(base: string, taken: ReadonlyMap<string, string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i += 1) {
    const suffix = `_${i}`;
    const candidate = `${base.slice(0, NAME_MAX - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function inputSchema(schema: Readonly<Record<string, unknown>>): AnthropicTool.InputSchema {
  const kept = Object.fromEntries(Object.entries(schema).filter(([key]) => !DOCUMENT_KEYWORDS.has(key)));
  return { ...kept, type: 'object' };
}
