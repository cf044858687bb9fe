import {
  BUILT_IN_TOOLS,
  toolListEntry,
  validateToolOutput,
  type BuiltInToolInputs,
  type BuiltInToolName,
} from '@mcpgw/tool-schemas';
import type { Cancellation } from '@mcpgw/resilience';
import type { BackendClient } from './backend-client.js';

export interface ToolResult extends Record<string, unknown> {
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface BuiltinBackends {
  broker: BackendClient;
  collector: BackendClient;
  chat: BackendClient;
}

type Handler<N extends BuiltInToolName> = (args: BuiltInToolInputs[N], cancellation?: Cancellation) => Promise<ToolResult>;

const failure = (message: string): ToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** Calls a backend and checks its answer against the tool's output schema before relaying it. */
async function fromBackend(
  name: BuiltInToolName,
  backend: BackendClient,
  path: string,
  summarise: (value: Record<string, unknown>) => string,
  cancellation?: Cancellation,
  shape: (raw: unknown) => unknown = (raw) => raw,
): Promise<ToolResult> {
  let raw: unknown;
  try {
    raw = shape(await backend.getJson(path, cancellation));
  } catch (err) {
    const detail = err instanceof Error && err.name === 'BackendError' ? err.message : `${backend.name} is unavailable`;
    return failure(`${name} failed: ${detail}. Try again later.`);
  }
  const checked = validateToolOutput(name, raw);
  if (!checked.ok) return failure(`${name} failed: ${backend.name} returned an unexpected response.`);
  const value = checked.value as unknown as Record<string, unknown>;
  return { content: [{ type: 'text', text: summarise(value) }], structuredContent: value };
}

/** The gateway's own tools, backed by the broker, the collector and the chat client. */
export function createBuiltinHandlers(backends: BuiltinBackends): { [N in BuiltInToolName]: Handler<N> } {
  return {
    sentraip_threat_check: (args, cancellation) =>
      fromBackend(
        'sentraip_threat_check',
        backends.broker,
        `/v1/threat/${args.type}/${encodeURIComponent(args.target)}`,
        (v) =>
          `${String(v['target'])}: risk ${String(v['risk_level'])}` +
          (v['threat_score'] === null ? '' : `, score ${String(v['threat_score'])}/10`) +
          (Array.isArray(v['categories']) && v['categories'].length ? ` (${v['categories'].join(', ')})` : '') +
          (v['degraded'] ? ' [degraded: threat intelligence unavailable]' : ''),
        cancellation,
      ),
    tyk_api_analytics: (args, cancellation) =>
      fromBackend(
        'tyk_api_analytics',
        backends.collector,
        `/v1/analytics?api_id=${encodeURIComponent(args.api_id)}&time_range=${args.time_range}`,
        (v) =>
          `${String(v['api_id'])} over ${String(v['time_range'])}: ${String(v['total_requests'])} requests, ` +
          `error rate ${(Number(v['error_rate']) * 100).toFixed(1)}%`,
        cancellation,
      ),
    claude_context_search: (args, cancellation) =>
      fromBackend(
        'claude_context_search',
        backends.chat,
        `/v1/context/search?q=${encodeURIComponent(args.query)}&limit=${args.limit}`,
        (v) => `${String(v['count'])} matching conversation snippet(s)`,
        cancellation,
        // The chat client answers with the bare result list; the tool's output wraps it.
        (raw) => (Array.isArray(raw) ? { results: raw, count: raw.length } : raw),
      ),
  };
}

/** Tool definitions as they appear in tools/list. */
export function builtinToolDefinitions(): Record<string, unknown>[] {
  return BUILT_IN_TOOLS.map((tool) => ({ ...toolListEntry(tool.name) }));
}
