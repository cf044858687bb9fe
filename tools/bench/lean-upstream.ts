/**
 * The benchmark's fixture upstream: a minimal MCP server (protocol 2025-11-25, stateless
 * Streamable HTTP, JSON answers) on bare node:http with one tool, `echo`, which returns its
 * `payload` argument as text.
 *
 * Hand-rolled on purpose: an SDK server answers roughly 800-1,300 tools/call/s on one core (issue 3's
 * measurements), which would cap the "direct" baseline and the gateway alike far below the
 * gateway's own capacity. This one answers tens of thousands per second, so the measurement shows
 * what the gateway adds. It speaks just enough of the protocol for the gateway's SDK client:
 * `server/discover` gets -32601 (so the client falls back to `initialize`), then the usual lists.
 *
 * Usage: node --import tsx tools/bench/lean-upstream.ts [port] [--schema permissive|default|strict]
 * (default: an ephemeral port, the default schema; prints {"message":"listening","url":...}).
 * `--schema` chooses the echo tool's input schema, i.e. how much work the gateway's argument
 * validation does: `permissive` is `{ type: object }`, `strict` checks presence, length, a
 * character pattern over the whole 1 KB payload and refuses extra fields.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const SCHEMAS: Record<string, Record<string, unknown>> = {
  permissive: { type: 'object' },
  default: {
    type: 'object',
    properties: { payload: { type: 'string', maxLength: 65536 } },
    required: ['payload'],
  },
  strict: {
    type: 'object',
    properties: {
      payload: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[A-Za-z0-9 _.,:;-]*$' },
    },
    required: ['payload'],
    additionalProperties: false,
  },
};
const { values: flags, positionals } = parseArgs({
  options: { schema: { type: 'string', default: 'default' } },
  allowPositionals: true,
});
const inputSchema = SCHEMAS[flags.schema];
if (!inputSchema) throw new Error(`--schema must be one of ${Object.keys(SCHEMAS).join(', ')}`);
const ECHO_TOOL = { name: 'echo', description: 'Returns its payload', inputSchema };
const MAX_BODY = 1024 * 1024;

type Message = {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: { name?: unknown; arguments?: { payload?: unknown }; protocolVersion?: unknown };
};

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

const error = (id: unknown, code: number, message: string) => ({
  jsonrpc: '2.0',
  id: id ?? null,
  error: { code, message },
});

function answer(message: Message): { status: number; body?: unknown } {
  const { id, method, params } = message;
  if (message.jsonrpc !== '2.0' || typeof method !== 'string')
    return { status: 400, body: error(id, -32600, 'Invalid Request') };
  if (id === undefined) return { status: 202 }; // a notification
  const result = (value: unknown) => ({ status: 200, body: { jsonrpc: '2.0', id, result: value } });
  switch (method) {
    case 'initialize': {
      const requested = params?.protocolVersion;
      return result({
        protocolVersion:
          typeof requested === 'string' && VERSIONS.includes(requested) ? requested : VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: 'mcpgw-bench-upstream', version: '1.0.0' },
      });
    }
    case 'ping':
      return result({});
    case 'tools/list':
      return result({ tools: [ECHO_TOOL] });
    case 'tools/call': {
      if (params?.name !== 'echo')
        return { status: 200, body: error(id, -32602, `Unknown tool: ${String(params?.name)}`) };
      const payload = params.arguments?.payload;
      if (typeof payload !== 'string')
        return result({
          isError: true,
          content: [{ type: 'text', text: 'payload must be a string' }],
        });
      return result({ content: [{ type: 'text', text: payload }] });
    }
    default:
      return { status: 200, body: error(id, -32601, `Method not found: ${method}`) };
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url !== '/mcp') return reply(res, 404, error(null, -32000, 'Not found'));
  if (req.method !== 'POST') return reply(res, 405, error(null, -32000, 'Method not allowed.'));
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    let message: unknown;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, error(null, -32700, 'Parse error'));
    }
    if (!message || typeof message !== 'object' || Array.isArray(message))
      return reply(res, 400, error(null, -32600, 'Invalid Request'));
    const { status, body } = answer(message as Message);
    reply(res, status, body);
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, handle);
server.listen(Number(positionals[0] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ message: 'listening', url: `http://127.0.0.1:${port}` }));
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
