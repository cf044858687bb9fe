import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Express, Request, Response } from 'express';
import type { Logger } from '@mcpgw/telemetry';
import { createSandboxServer } from './sandbox-server.js';
import type { ToolRegistry } from './tool-registry.js';

export interface McpRouteDeps {
  tools: ToolRegistry;
  version: string;
  logger: Logger;
  /** Largest JSON-RPC body accepted (the SDK answers 413 above it). */
  maxBodyBytes: number;
}

function methodNotAllowed(_req: Request, res: Response): void {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Method not allowed: this server is stateless' },
      id: null,
    });
}

/**
 * Streamable HTTP on `/mcp`, stateless (the SDK's stateless pattern: a server and transport per
 * POST, no session ids, no GET stream): the tools are static and read-only, so nothing is lost,
 * and any replica can answer any request. Mounted before the JSON body parser so that the SDK
 * reads the body itself and answers malformed input with JSON-RPC errors.
 */
export function mountMcpRoutes(app: Express, deps: McpRouteDeps): void {
  app.post('/mcp', async (req, res) => {
    const server = createSandboxServer(deps.tools, deps.version);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: deps.maxBodyBytes,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      deps.logger.error('mcp request failed', { err });
      if (!res.headersSent) {
        res
          .status(500)
          .json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null });
      }
    }
  });
  app.get('/mcp', methodNotAllowed);
  app.delete('/mcp', methodNotAllowed);
}
