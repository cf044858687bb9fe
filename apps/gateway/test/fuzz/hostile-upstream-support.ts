/**
 * A hostile MCP upstream for the gateway's upstream-side fuzz suite: a raw `node:http` server on
 * 127.0.0.1:0 that does the handshake and `tools/list` correctly (so the gateway lists its tool),
 * then answers `tools/call` however the current test says — garbage bodies, wrong ids, hangs,
 * cut connections. It serves both transports that reach the gateway's two read paths:
 *
 * - `POST /mcp`: 2025-era Streamable HTTP (a forwarded `tools/call` takes the direct exchange);
 * - `GET /sse` + `POST /messages`: legacy HTTP+SSE (the SDK client's path), whose answers travel
 *   as events on the long-lived GET stream.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/** The tool the hostile upstream lists (any object as arguments). */
export const HOSTILE_TOOL = { name: 'junk', description: 'Answers whatever the test says.', inputSchema: { type: 'object' } } as const;

/** One `tools/call` as the hostile upstream received it. */
export interface HostileCall {
  /** The request's id exactly as sent (the gateway's own, e.g. `gw-exchange-3`, on the direct exchange). */
  id: unknown;
  arguments: Record<string, unknown>;
}

/** Answers a `tools/call` on `POST /mcp`: anything may be written to `res`, or nothing at all. */
export type StreamableBehaviour = (call: HostileCall, res: ServerResponse) => void;

/**
 * Answers a `tools/call` on the legacy transport: what to write into the GET stream (raw bytes,
 * framing included, see {@link sseEvent}), or `undefined` for silence; `stream` is that GET
 * response, for behaviours that write over time or cut it.
 */
export type LegacyBehaviour = (call: HostileCall, stream: ServerResponse) => string | undefined;

export interface HostileUpstream {
  readonly url: string;
  /** `POST /mcp` (streamable-http). */
  readonly mcpUrl: string;
  /** `GET /sse` (legacy sse). */
  readonly sseUrl: string;
  /** Every `tools/call` received, on either transport. */
  readonly calls: HostileCall[];
  /** How `tools/call` on `POST /mcp` is answered from now on (default: a valid result). */
  onStreamableCall(behaviour: StreamableBehaviour): void;
  /** How `tools/call` on the legacy transport is answered from now on (default: a valid result). */
  onLegacyCall(behaviour: LegacyBehaviour): void;
  close(): Promise<void>;
}

/** A valid answer, the default behaviour of both transports. */
export const okResult = (id: unknown) => ({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'fine' }] } });

/** One SSE event carrying `data` (split over `data:` lines as the format requires). */
export const sseEvent = (data: string, event = 'message') => `event: ${event}\n${data.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`;

/** Writes `body` with `status` and `contentType`, as one response. */
export function reply(res: ServerResponse, body: string | Buffer, contentType = 'application/json', status = 200): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The answer to every request but `tools/call`; undefined for a notification. */
function protocolAnswer(message: Record<string, unknown>): Record<string, unknown> | undefined {
  const { id, method } = message;
  if (id === undefined) return undefined;
  if (method === 'initialize') {
    return {
      jsonrpc: '2.0',
      id,
      result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1.0.0' } },
    };
  }
  if (method === 'tools/list') return { jsonrpc: '2.0', id, result: { tools: [HOSTILE_TOOL] } };
  if (method === 'ping') return { jsonrpc: '2.0', id, result: {} };
  return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
}

function parseMessage(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function callOf(message: Record<string, unknown>): HostileCall {
  const params = (message['params'] ?? {}) as { arguments?: Record<string, unknown> };
  return { id: message['id'], arguments: params.arguments ?? {} };
}

/** Starts the hostile upstream on 127.0.0.1:0. */
export async function startHostileUpstream(): Promise<HostileUpstream> {
  const calls: HostileCall[] = [];
  let streamable: StreamableBehaviour = (call, res) => reply(res, JSON.stringify(okResult(call.id)));
  let legacy: LegacyBehaviour = (call) => sseEvent(JSON.stringify(okResult(call.id)));
  /** Open legacy GET streams by session id. */
  const streams = new Map<string, ServerResponse>();
  let sessions = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/sse' && req.method === 'GET') {
      const session = `s${(sessions += 1)}`;
      streams.set(session, res);
      res.on('close', () => streams.delete(session));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`event: endpoint\ndata: /messages?session=${session}\n\n`);
      return;
    }
    if (url.pathname === '/messages' && req.method === 'POST') {
      const stream = streams.get(url.searchParams.get('session') ?? '');
      const message = parseMessage(await readBody(req));
      if (!stream || !message) return reply(res, 'bad session', 'text/plain', 400);
      res.writeHead(202).end();
      if (message['method'] === 'tools/call') {
        const call = callOf(message);
        calls.push(call);
        const raw = legacy(call, stream);
        if (raw !== undefined) stream.write(raw);
        return;
      }
      const answer = protocolAnswer(message);
      if (answer) stream.write(sseEvent(JSON.stringify(answer)));
      return;
    }
    if (url.pathname !== '/mcp') return reply(res, 'not found', 'text/plain', 404);
    if (req.method === 'GET') return reply(res, '', 'text/plain', 405);
    if (req.method === 'DELETE') return reply(res, '', 'text/plain', 200);
    const message = parseMessage(await readBody(req));
    if (!message) return reply(res, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }), 'application/json', 400);
    if (message['method'] === 'tools/call') {
      const call = callOf(message);
      calls.push(call);
      return streamable(call, res);
    }
    const answer = protocolAnswer(message);
    if (!answer) return void res.writeHead(202).end();
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'hostile-session' }).end(JSON.stringify(answer));
  }

  const listener: LoopbackListener = await listenOnLoopback(server);
  return {
    url: listener.url,
    mcpUrl: `${listener.url}/mcp`,
    sseUrl: `${listener.url}/sse`,
    calls,
    onStreamableCall: (behaviour) => void (streamable = behaviour),
    onLegacyCall: (behaviour) => void (legacy = behaviour),
    async close() {
      for (const stream of streams.values()) stream.destroy();
      await listener.close();
    },
  };
}

/** `depth` nested arrays as JSON text (`[[[…]]]`). */
export const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Shapes of secrets an upstream might leak (the AWS documentation's example key pair, a bearer token). */
export const PLANTED_SECRETS = {
  awsKeyId: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  bearer: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJob3N0aWxlIn0.c2lnbmF0dXJlLXZhbHVlLWhlcmU',
} as const;

/** Whether `text` still carries one of {@link PLANTED_SECRETS}' secret parts. */
export function leaksPlantedSecret(text: string): boolean {
  return text.includes(PLANTED_SECRETS.awsKeyId) || text.includes('wJalrXUtnFEMI') || text.includes('c2lnbmF0dXJlLXZhbHVlLWhlcmU');
}

/** A stack trace with the kind of paths a crashing upstream prints. */
export const UPSTREAM_STACK = [
  "TypeError: Cannot read properties of undefined (reading 'rows')",
  '    at queryRows (/srv/upstream/src/db/query.ts:42:17)',
  '    at async handler (file:///srv/upstream/node_modules/mcp-kit/dist/server.js:118:9)',
].join('\n');
