/**
 * A stand-in for the gateway, as far as the chat client sees it: `GET /mcp/tools` (how the chat
 * client verifies a caller's API key), `GET /health`, and `/mcp` proxied to a real MCP server
 * (the fake upstream of `@mcpgw/testing`) — or answered with garbage, or never answered, per test.
 * It records every request, so tests can check what the chat client sent (keys, tool names, baggage).
 */
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '@mcpgw/testing';

/** How `/mcp` is answered. */
export type McpMode = 'proxy' | 'html' | 'invalid-json' | 'status-500' | 'hang' | 'wrong-jsonrpc';
/** How `/mcp/tools` (the key check) is answered. */
export type KeyCheckMode = 'keys' | 'hang' | 'garbage-200' | 'status-500' | 'redirect';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeGateway {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Keys `/mcp/tools` accepts (mode `keys`). */
  readonly validKeys: Set<string>;
  mcpMode: McpMode;
  keyCheckMode: KeyCheckMode;
  /** `tools/call` names the chat client sent through `/mcp`. */
  calledTools(): string[];
  close(): Promise<void>;
}

/** Starts the fake gateway; `/mcp` is proxied to `upstreamMcpUrl` (`http://127.0.0.1:<port>/mcp`) in mode `proxy`. */
export async function startFakeGateway(upstreamMcpUrl: string, validKeys: readonly string[]): Promise<FakeGateway> {
  const upstream = new URL(upstreamMcpUrl);
  const seen: SeenRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const state = { mcpMode: 'proxy' as McpMode, keyCheckMode: 'keys' as KeyCheckMode };
  const keys = new Set(validKeys);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      seen.push({ method: req.method ?? 'GET', path, headers: req.headers, body: body.toString('utf8') });
      const hang = () => {
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
      };
      if (path === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (path === '/mcp/tools') {
        switch (state.keyCheckMode) {
          case 'hang':
            return hang();
          case 'garbage-200':
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"tools": [ not json');
            return;
          case 'status-500':
            res.writeHead(500, { 'content-type': 'text/plain' }).end('Error: at /srv/gateway/src/app.ts:10:5');
            return;
          case 'redirect':
            // As an auth proxy in front of a gateway would: to a login page that answers 200.
            res.writeHead(302, { location: '/health' }).end();
            return;
          default: {
            const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
            const ok = match?.[1] !== undefined && keys.has(match[1]);
            res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"success":true,"data":{"tools":[]}}' : '{"error":"UNAUTHORIZED"}');
            return;
          }
        }
      }
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      switch (state.mcpMode) {
        case 'hang':
          return hang();
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway at /opt/app/node_modules/x.js:1:1</body></html>');
          return;
        case 'invalid-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","result": {');
          return;
        case 'status-500':
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom","stack":"Error: boom\\n    at /srv/gw/src/x.ts:1:1"}');
          return;
        case 'wrong-jsonrpc':
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 'not-yours', result: { tools: 'nope' } }));
          return;
        default: {
          const headers = { ...req.headers, host: `${upstream.hostname}:${upstream.port}` };
          const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: upstream.pathname, headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          });
          forward.on('error', () => {
            if (!res.headersSent) res.writeHead(502);
            res.end();
          });
          forward.end(body);
        }
      }
    });
  });
  const listener = await listenOnLoopback(server);
  return {
    url: listener.url,
    seen,
    validKeys: keys,
    get mcpMode() {
      return state.mcpMode;
    },
    set mcpMode(mode: McpMode) {
      state.mcpMode = mode;
    },
    get keyCheckMode() {
      return state.keyCheckMode;
    },
    set keyCheckMode(mode: KeyCheckMode) {
      state.keyCheckMode = mode;
    },
    calledTools: () =>
      seen.flatMap((r) => {
        if (r.path !== '/mcp' || r.method !== 'POST') return [];
        try {
          const message = JSON.parse(r.body) as { method?: unknown; params?: { name?: unknown } };
          return message.method === 'tools/call' && typeof message.params?.name === 'string' ? [message.params.name] : [];
        } catch {
          return [];
        }
      }),
    async close() {
      for (const res of hanging) res.destroy();
      await listener.close();
    },
  };
}
