import { isSpecType } from '@modelcontextprotocol/client';

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
  if (!modernUpstream && method === 'tools/call' && 'structuredContent' in result && !isPlainObject(result['structuredContent'])) return false;
  return guard(result);
}

/**
 * A 2026-07-28 `tools/call` result as a 2025-era client can take it, as the SDK's 2025 codec
 * projects it (SEP-2106 §4.3): a `structuredContent` that is not an object is wrapped as
 * `{ result: value }`, and its JSON is added as text when the result has no text block.
 */
export function projectedForLegacyClient(result: Record<string, unknown>): Record<string, unknown> {
  const structured = result['structuredContent'];
  if (structured === undefined || isPlainObject(structured)) return result;
  const content = Array.isArray(result['content']) ? (result['content'] as unknown[]) : [];
  const hasText = content.some((block) => isPlainObject(block) && (block as { type?: unknown }).type === 'text');
  return {
    ...result,
    content: hasText ? content : [...content, { type: 'text', text: JSON.stringify(structured) }],
    structuredContent: { result: structured },
  };
}

const isPlainObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);
