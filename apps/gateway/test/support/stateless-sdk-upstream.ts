import { createServer } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/**
 * A v1 SDK server over stateless Streamable HTTP on 127.0.0.1: a fresh server from `factory` per
 * request, so notifications a handler sends travel on that request's own SSE answer.
 */
export function startStatelessSdkUpstream(factory: () => Server): Promise<LoopbackListener> {
  return listenOnLoopback(
    createServer(async (req, res) => {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = factory();
      res.on('close', () => void server.close());
      await server.connect(transport);
      await transport.handleRequest(req, res);
    }),
  );
}
