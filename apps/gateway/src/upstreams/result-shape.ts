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

/** Whether `result` follows the spec's schema for `method` (true for methods without one here). */
export function followsResultSchema(method: string, result: Record<string, unknown>): boolean {
  const guard = RESULT_GUARDS[method];
  if (guard === undefined) return true;
  // The SDK's guard takes an array for `structuredContent`; the spec and clients' parsers want an object.
  if (method === 'tools/call' && 'structuredContent' in result && !isPlainObject(result['structuredContent'])) return false;
  return guard(result);
}

const isPlainObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);
