import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/**
 * A v1 SDK server over Streamable HTTP with 2025-era sessions on 127.0.0.1: a server from
 * `factory` per session, so a request it sends to the client mid-call (sampling, elicitation) can
 * be answered by a later POST on the same session.
 */
export function startStatefulSdkUpstream(factory: () => Server): Promise<LoopbackListener> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: Parameters<StreamableHTTPServerTransport['handleRequest']>[0], res: Parameters<StreamableHTTPServerTransport['handleRequest']>[1]) => {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = sessions.get(sessionId);
      if (transport) return transport.handleRequest(req, res);
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, transport) });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await factory().connect(transport);
    await transport.handleRequest(req, res);
  };
  return listenOnLoopback(createServer((req, res) => void handle(req, res)));
}
