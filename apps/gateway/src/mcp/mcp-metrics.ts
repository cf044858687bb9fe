import type { Registry } from 'prom-client';
import { getOrCreateCounter, getOrCreateHistogram } from '@mcpgw/telemetry';

/** The gateway's MCP metrics; label values are bounded (methods and tools come from known sets). */
export function createMcpMetrics(registry: Registry) {
  return {
    toolExecutions: getOrCreateCounter(registry, {
      name: 'mcp_tool_executions_total',
      help: 'tools/call requests by tool, upstream and outcome',
      labelNames: ['tool', 'upstream', 'outcome'] as const,
    }),
    requestDuration: getOrCreateHistogram(registry, {
      name: 'mcp_request_duration_seconds',
      help: 'MCP requests on /mcp by method, era and outcome',
      labelNames: ['method', 'era', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
  };
}

export type McpMetrics = ReturnType<typeof createMcpMetrics>;

const KNOWN_METHODS = new Set([
  'initialize', 'ping', 'server/discover', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get',
  'resources/list', 'resources/templates/list', 'resources/read', 'logging/setLevel', 'completion/complete',
  'notifications/initialized', 'notifications/cancelled', 'notifications/roots/list_changed',
]);

/** Unknown methods share one label value so a scanner cannot blow up the series count. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}
