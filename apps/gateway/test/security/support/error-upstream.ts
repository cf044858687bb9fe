import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';

/** An upstream whose one tool fails with a JSON-RPC error (not a tool result), for error-path sanitization. */
export interface ErrorUpstream {
  readonly url: string;
  /** Tool calls that reached it. */
  readonly calls: number;
  close(): Promise<void>;
}

/**
 * A stateless 2025-era MCP server (official SDK, low-level `Server`, so the handler's `McpError`
 * goes on the wire as a JSON-RPC error with its code, message and data) whose tool `explode`
 * answers `error(code, message, data)`.
 */
export async function startErrorUpstream(error: {
  code: number;
  message: string;
  data: unknown;
}): Promise<ErrorUpstream> {
  let calls = 0;
  const mcpServer = () => {
    const server = new Server(
      { name: 'error-upstream', version: '1.0.0' },
      { capabilities: { tools: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [
        { name: 'explode', description: 'Fails.', inputSchema: { type: 'object', properties: {} } },
      ],
    }));
    server.setRequestHandler(CallToolRequestSchema, () => {
      calls += 1;
      throw new McpError(error.code, error.message, error.data);
    });
    return server;
  };
  const http: HttpServer = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void server.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
