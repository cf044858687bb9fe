import { PROTOCOL_VERSION_META_KEY, RELATED_TASK_META_KEY, type InboundLegacyRoute } from '@modelcontextprotocol/server';
import { isJsonObject } from '../support/json-object.js';
import { LEGACY_VERSIONS } from './protocol.js';

/** What the SDK's `classifyInboundRequest` answers for a plain 2025-era request. */
export const PLAIN_LEGACY_ROUTE: InboundLegacyRoute = { kind: 'legacy', reason: 'no-claim' };

const REQUEST_KEYS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);

/** A JSON-RPC id or progress token as the SDK's schemas take it: a string or a safe integer. */
const isIdLike = (value: unknown): boolean => typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));

/**
 * Whether the SDK's `classifyInboundRequest` would answer {@link PLAIN_LEGACY_ROUTE} for this POST,
 * decided without its schema parses: a JSON-RPC request (only `jsonrpc`, `id`, `method` and
 * `params`, so it cannot be a response), not `initialize`, whose `_meta` (if any) makes no
 * envelope claim, under a 2025-era `MCP-Protocol-Version` header or none. That is what almost every
 * 2025-era call looks like, and the SDK's ladder (three zod parses, two of them failing) costs
 * about 5 µs and its garbage per call. Anything else, or anything in doubt, is the SDK's to classify.
 * `plain-legacy-request.spec.ts` holds this to the SDK's own answer over generated requests.
 */
export function isPlainLegacyRequest(body: unknown, protocolVersionHeader: string | undefined): boolean {
  if (protocolVersionHeader !== undefined && !LEGACY_VERSIONS.includes(protocolVersionHeader)) return false;
  if (!isJsonObject(body)) return false;
  for (const key in body) if (!REQUEST_KEYS.has(key)) return false;
  if (body['jsonrpc'] !== '2.0' || !isIdLike(body['id'])) return false;
  const method = body['method'];
  if (typeof method !== 'string' || method === 'initialize') return false;
  if (!('params' in body)) return true;
  const params = body['params'];
  if (!isJsonObject(params)) return false;
  if (!('_meta' in params)) return true;
  const meta = params['_meta'];
  if (!isJsonObject(meta) || PROTOCOL_VERSION_META_KEY in meta || RELATED_TASK_META_KEY in meta) return false;
  return !('progressToken' in meta) || isIdLike(meta['progressToken']);
}
