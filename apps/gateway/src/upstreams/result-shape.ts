import { isSpecType } from '@modelcontextprotocol/client';
import { isJsonObject } from '../support/json-object.js';

/**
 * The spec's result schema of each request the gateway forwards for clients (the SDK's own
 * guards). The result is relayed as the upstream sent it; one that does not follow its schema
 * would fail in the client's SDK, so the gateway refuses it as garbage instead.
 */
const RESULT_GUARDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  'tools/call': isSpecType.CallToolResult,
  'resources/read': isSpecType.ReadResourceResult,
  'prompts/get': isSpecType.GetPromptResult,
  'completion/complete': isSpecType.CompleteResult,
};

/**
 * Whether `result` follows the spec's schema for `method` (true for methods without one here).
 * `structuredContent` is an object up to 2025-11-25; 2026-07-28 (SEP-2106) allows any JSON value.
 */
export function followsResultSchema(method: string, result: Record<string, unknown>, modernUpstream: boolean): boolean {
  const guard = RESULT_GUARDS[method];
  if (guard === undefined) return true;
  // The SDK's guard takes any value for `structuredContent`; a 2025-era client's parser wants an object.
  if (!modernUpstream && method === 'tools/call' && 'structuredContent' in result && !isJsonObject(result['structuredContent'])) return false;
  return guard(result);
}

/** Whether a tool's output schema describes something other than an object (allowed from 2026-07-28, SEP-2106). */
export function wrapsForLegacyClient(outputSchema: unknown): boolean {
  return isJsonObject(outputSchema) && (outputSchema as { type?: unknown }).type !== 'object';
}

/**
 * A tool's output schema as a 2025-era client can take it, as the SDK's 2025 codec rewrites it: a
 * root that is not `type: object` is wrapped as the `result` property of one (its `$defs` and
 * `definitions` move to the new root, so their `#/...` references still resolve). A 2025-era
 * client's SDK refuses a whole `tools/list` that has a non-object output schema in it.
 */
export function legacyOutputSchema(outputSchema: Record<string, unknown>): Record<string, unknown> {
  if (!wrapsForLegacyClient(outputSchema)) return outputSchema;
  const { $defs, definitions, $schema, ...inner } = outputSchema;
  return {
    ...(typeof $schema === 'string' && { $schema }),
    type: 'object',
    properties: { result: inner },
    required: ['result'],
    ...($defs !== undefined && { $defs }),
    ...(definitions !== undefined && { definitions }),
  };
}

/**
 * A `tools/call` result as a 2025-era client can take it, as the SDK's 2025 codec projects it
 * (SEP-2106 §4.3): a `structuredContent` that is not an object, or any one of a tool whose output
 * schema is wrapped (above), becomes `{ result: value }`, and the value's JSON is added as text
 * when the result has no text block.
 */
export function projectedForLegacyClient(result: Record<string, unknown>, outputSchema: unknown): Record<string, unknown> {
  const structured = result['structuredContent'];
  if (structured === undefined || (isJsonObject(structured) && !wrapsForLegacyClient(outputSchema))) return result;
  const content = Array.isArray(result['content']) ? (result['content'] as unknown[]) : [];
  const hasText = content.some((block) => isJsonObject(block) && (block as { type?: unknown }).type === 'text');
  return {
    ...result,
    content: hasText || isJsonObject(structured) ? content : [...content, { type: 'text', text: JSON.stringify(structured) }],
    structuredContent: { result: structured },
  };
}

