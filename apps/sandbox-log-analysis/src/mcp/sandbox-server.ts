import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRegistry } from './tool-registry.js';

export const SERVER_NAME = 'sandbox-log-analysis';

/**
 * The MCP server on the v1 SDK's low-level `Server`: its `McpServer` turns argument errors into
 * `isError` results, while this server answers them with -32602 as the gateway expects; the
 * tool schemas and validators come prebuilt from the registry, so building a server is cheap.
 */
export function createSandboxServer(tools: ToolRegistry, version: string): Server {
  const server = new Server(
    { name: SERVER_NAME, version },
    {
      capabilities: { tools: {} },
      instructions:
        'log_store searches and aggregates the log corpus; privacy scrubs secrets and personal data from text.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...tools.definitions] }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    tools.call(request.params.name, request.params.arguments, request.params._meta, {
      signal: extra.signal,
    }),
  );
  return server;
}
