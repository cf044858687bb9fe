/**
 * A real MCP server for gateway tests, on both SDK generations. One file by design (the helper's
 * brief): types, the node:http ↔ fetch bridge the v2 handler needs (`@modelcontextprotocol/node`
 * is not installed), the v2 and v1 backends and the ready-made tools; split it into a folder if
 * it grows further.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  McpServer,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  fromJsonSchema,
  isLegacyRequest,
  type CallToolResult,
  type InputRequiredResult,
  type McpRequestContext,
  type RegisteredTool,
} from '@modelcontextprotocol/server';
import { Server as V1Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport as V1Transport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

/**
 * A JSON Schema object as it goes on the MCP wire (`tools/list`). Plain JSON Schema rather than a
 * zod shape: both SDK generations can serve it verbatim (v2 through `fromJsonSchema`, v1 through
 * the low-level `Server`), and it is exactly what the gateway pins and validates against.
 */
export type JsonObjectSchema = { type: 'object'; [keyword: string]: unknown };

/** Content a fake tool may return (the subset gateway tests need). */
export type FakeContent =
  { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };

/** A `CallToolResult`-shaped value, valid for both SDK generations (a type alias, so it is assignable to their index-signature types). */
export type FakeToolResult = {
  content: FakeContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/**
 * A 2026-07-28 multi round-trip answer: the client is to fulfil `inputRequests` and call again
 * with `inputResponses` (and `requestState` echoed). Served by the v2 SDK only.
 */
export type FakeInputRequired = {
  resultType: 'input_required';
  inputRequests?: Record<string, { method: string; params?: Record<string, unknown> }>;
  requestState?: string;
};

/** What a fake tool's handler sees besides its arguments. */
export interface FakeToolContext {
  /** Aborted when the client cancels the call or drops the connection. */
  signal: AbortSignal;
  /** The recorded headers of the HTTP request that carried the call. */
  headers: Readonly<Record<string, string>>;
  /** A retried call's answers to the embedded requests of its `input_required` answer (v2 only). */
  inputResponses?: Readonly<Record<string, unknown>>;
  /** A retried call's echoed `requestState` (v2 only). */
  requestState?: unknown;
}

/** A tool served by the fake upstream. */
export interface FakeTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObjectSchema;
  outputSchema?: JsonObjectSchema;
  handler(
    args: Record<string, unknown>,
    ctx: FakeToolContext,
  ): FakeToolResult | FakeInputRequired | Promise<FakeToolResult | FakeInputRequired>;
}

/** One `tools/call` that reached a handler (arguments already validated by the SDK). */
export interface RecordedCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** Headers of interest only (see {@link RECORDED_HEADERS}), lower-case names. */
  headers: Record<string, string>;
  /** The request's `_meta` (v2 lifts the reserved `io.modelcontextprotocol/*` keys out of it). */
  meta: Record<string, unknown>;
  /** `modern` = protocol 2026-07-28 (v2 only); `legacy` = 2025-era. */
  era: 'legacy' | 'modern';
  /** The call's abort signal: `signal.aborted` tells a test the call was cancelled. */
  signal: AbortSignal;
}

/** Every HTTP request that reached `/mcp`, with its headers of interest. */
export interface RecordedHttpRequest {
  method: string;
  headers: Record<string, string>;
}

/** Options of {@link startFakeMcpUpstream}. */
export interface FakeMcpUpstreamOptions {
  /** SDK generation serving the endpoint; default `v2`. */
  sdk?: 'v2' | 'v1';
  tools: readonly FakeTool[];
  /** `serverInfo.name`; default `fake-upstream`. */
  name?: string;
  /**
   * 2025-era session handling (`Mcp-Session-Id`, GET notification stream, DELETE). Default: `false`
   * for v2 (stateless, the 2026 idiom; modern clients get notifications over `subscriptions/listen`
   * either way), `true` for v1 (the 2025 idiom).
   */
  stateful?: boolean;
}

/** A running fake upstream. */
export interface FakeMcpUpstream {
  /** The Streamable HTTP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  port: number;
  sdk: 'v2' | 'v1';
  calls: RecordedCall[];
  requests: RecordedHttpRequest[];
  /** Number of open 2025-era sessions (always 0 when stateless). */
  sessionCount(): number;
  /**
   * Replaces the tool set and emits `notifications/tools/list_changed` where a channel exists:
   * modern clients' `subscriptions/listen` streams (v2) and 2025 sessions' GET streams
   * (stateful). Stateless 2025 clients have no channel; they see the change on their next list.
   */
  setTools(tools: readonly FakeTool[]): Promise<void>;
  close(): Promise<void>;
}

/** Request headers recorded on calls and requests (what gateway tests assert on). */
export const RECORDED_HEADERS: readonly string[] = [
  'authorization',
  'cookie',
  'x-api-key',
  'traceparent',
  'tracestate',
  'baggage',
  'mcp-session-id',
  'mcp-protocol-version',
  'x-request-id',
  'x-forwarded-for',
];

interface State {
  name: string;
  tools: readonly FakeTool[];
  calls: RecordedCall[];
}

interface Backend {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  toolsChanged(): Promise<void>;
  sessionCount(): number;
  close(): Promise<void>;
}

function pickHeaders(read: (name: string) => string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = read(name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function nodeHeaders(req: IncomingMessage): Record<string, string> {
  return pickHeaders((name) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  });
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function runTool(
  state: State,
  tool: FakeTool,
  args: unknown,
  call: Omit<RecordedCall, 'tool' | 'arguments'>,
  rounds: Pick<FakeToolContext, 'inputResponses' | 'requestState'> = {},
) {
  const record: RecordedCall = { tool: tool.name, arguments: isRecord(args) ? args : {}, ...call };
  state.calls.push(record);
  return tool.handler(record.arguments, { signal: call.signal, headers: call.headers, ...rounds });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------- v2: createMcpHandler (modern + stateless legacy) or modern + sessionful legacy ----------

function registerV2Tools(
  state: State,
  server: McpServer,
  era: 'legacy' | 'modern',
): RegisteredTool[] {
  return state.tools.map((tool) =>
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: fromJsonSchema<Record<string, unknown>>(tool.inputSchema),
        ...(tool.outputSchema
          ? { outputSchema: fromJsonSchema<Record<string, unknown>>(tool.outputSchema) }
          : {}),
      },
      (args, ctx) =>
        runTool(
          state,
          tool,
          args,
          {
            headers: pickHeaders((n) => ctx.http?.req?.headers.get(n)),
            meta: { ...(ctx.mcpReq._meta ?? {}) },
            era,
            signal: ctx.mcpReq.signal,
          },
          { inputResponses: ctx.mcpReq.inputResponses, requestState: ctx.mcpReq.requestState() },
          // The fake's loose shapes: the SDK checks what a handler returns on the wire.
        ) as Promise<CallToolResult | InputRequiredResult>,
    ),
  );
}

function newV2Server(state: State): McpServer {
  return new McpServer(
    { name: state.name, version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true } },
      // re-registering a tool set emits one notification per tool; coalesce them into one
      debouncedNotificationMethods: ['notifications/tools/list_changed'],
    },
  );
}

function createV2Backend(state: State, stateful: boolean): Backend {
  const factory = (ctx: McpRequestContext): McpServer => {
    const server = newV2Server(state);
    registerV2Tools(state, server, ctx.era);
    return server;
  };
  const modern = createMcpHandler(factory, { legacy: stateful ? 'reject' : 'stateless' });
  const sessions = new Map<
    string,
    {
      transport: WebStandardStreamableHTTPServerTransport;
      server: McpServer;
      tools: RegisteredTool[];
    }
  >();

  async function legacySession(request: Request): Promise<Response> {
    const sid = request.headers.get('mcp-session-id');
    if (sid !== null) {
      const entry = sessions.get(sid);
      return entry
        ? entry.transport.handleRequest(request)
        : Response.json(
            { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
            { status: 404 },
          );
    }
    const server = newV2Server(state);
    const tools = registerV2Tools(state, server, 'legacy');
    const transport: WebStandardStreamableHTTPServerTransport =
      new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => void sessions.set(id, { transport, server, tools }),
        onsessionclosed: (id) => void sessions.delete(id),
      });
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    // a session-less request that did not initialize a session (a bad request) must not leak a server
    if (transport.sessionId === undefined) await server.close();
    return response;
  }

  return {
    async handle(req, res) {
      const request = await toWebRequest(req, res);
      const response =
        stateful && (await isLegacyRequest(request))
          ? await legacySession(request)
          : await modern.fetch(request);
      await writeWebResponse(res, response);
    },
    async toolsChanged() {
      modern.notify.toolsChanged();
      for (const entry of sessions.values()) {
        for (const t of entry.tools) t.remove();
        entry.tools = registerV2Tools(state, entry.server, 'legacy');
      }
    },
    sessionCount: () => sessions.size,
    async close() {
      await modern.close();
      await Promise.all([...sessions.values()].map((e) => e.server.close()));
      sessions.clear();
    },
  };
}

async function toWebRequest(req: IncomingMessage, res: ServerResponse): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const abort = new AbortController();
  // the SDK cancels the exchange through the request's signal when the client goes away
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && chunks.length > 0;
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
    signal: abort.signal,
  });
}

async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, key) => res.setHeader(key, value));
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // the stream was cancelled because the client went away; nothing left to write
  }
  res.end();
}

// ---------- v1: low-level Server, so the JSON Schemas go on the wire verbatim ----------

function createV1Server(state: State): V1Server {
  const server = new V1Server(
    { name: state.name, version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  const ajv = new AjvJsonSchemaValidator();
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: state.tools.map((t) => ({
      name: t.name,
      ...(t.title ? { title: t.title } : {}),
      ...(t.description ? { description: t.description } : {}),
      inputSchema: t.inputSchema,
      ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = state.tools.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${request.params.name} not found`);
    const args = request.params.arguments ?? {};
    const check = ajv.getValidator(tool.inputSchema)(args);
    if (!check.valid) {
      return {
        content: [
          { type: 'text', text: `Input validation error: ${check.errorMessage ?? 'invalid'}` },
        ],
        isError: true,
      };
    }
    try {
      return await runTool(state, tool, args, {
        headers: pickHeaders((n) => {
          const v = extra.requestInfo?.headers[n];
          return Array.isArray(v) ? v.join(', ') : v;
        }),
        meta: { ...(request.params._meta ?? {}) },
        era: 'legacy',
        signal: extra.signal,
      });
    } catch (error) {
      return {
        content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }],
        isError: true,
      };
    }
  });
  return server;
}

function createV1Backend(state: State, stateful: boolean): Backend {
  const sessions = new Map<string, { transport: V1Transport; server: V1Server }>();
  return {
    async handle(req, res) {
      if (!stateful) {
        // stateless 2025 serving has no GET stream and no session to DELETE (as in the SDK's example)
        if (req.method !== 'POST') return jsonRpcError(res, 405, 'Method not allowed.');
        const server = createV1Server(state);
        const transport = new V1Transport({ sessionIdGenerator: undefined });
        res.on('close', () => void server.close());
        await server.connect(transport);
        return transport.handleRequest(req, res);
      }
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') {
        const entry = sessions.get(sid);
        return entry
          ? entry.transport.handleRequest(req, res)
          : jsonRpcError(res, 404, 'Session not found');
      }
      const server = createV1Server(state);
      const transport: V1Transport = new V1Transport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
      if (transport.sessionId === undefined) await server.close();
    },
    async toolsChanged() {
      await Promise.all([...sessions.values()].map((e) => e.server.sendToolListChanged()));
    },
    sessionCount: () => sessions.size,
    async close() {
      await Promise.all([...sessions.values()].map((e) => e.server.close()));
      sessions.clear();
    },
  };
}

/**
 * Starts a real MCP server (official SDK, Streamable HTTP) on `127.0.0.1:0` at `/mcp`.
 * v2 serves protocol 2026-07-28 and, for 2025-era clients, stateless (default) or sessionful
 * legacy serving; v1 serves the 2025 protocols. Call `close()` in teardown.
 */
export async function startFakeMcpUpstream(
  options: FakeMcpUpstreamOptions,
): Promise<FakeMcpUpstream> {
  const sdk = options.sdk ?? 'v2';
  const state: State = { name: options.name ?? 'fake-upstream', tools: options.tools, calls: [] };
  const stateful = options.stateful ?? sdk === 'v1';
  const backend =
    sdk === 'v2' ? createV2Backend(state, stateful) : createV1Backend(state, stateful);
  const requests: RecordedHttpRequest[] = [];

  const http: HttpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') return jsonRpcError(res, 404, 'Not found');
    requests.push({ method: req.method ?? 'GET', headers: nodeHeaders(req) });
    backend.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        jsonRpcError(res, 500, error instanceof Error ? error.message : 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    sdk,
    calls: state.calls,
    requests,
    sessionCount: () => backend.sessionCount(),
    async setTools(tools) {
      state.tools = tools;
      await backend.toolsChanged();
    },
    async close() {
      await backend.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}

// ---------- ready-made tools ----------

const text = (value: string): FakeToolResult => ({ content: [{ type: 'text', text: value }] });

/** `echo`: returns its `text` argument. */
export const echoTool: FakeTool = {
  name: 'echo',
  description: 'Returns the given text unchanged.',
  inputSchema: {
    type: 'object',
    properties: { text: { type: 'string', description: 'Text to echo back.' } },
    required: ['text'],
    additionalProperties: false,
  },
  handler: (args) => text(String(args['text'])),
};

/** `slow`: answers after `ms`, or as soon as the call is cancelled (then with `isError`). */
export function slowTool(ms: number): FakeTool {
  return {
    name: 'slow',
    description: `Answers after ${ms} ms.`,
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    handler: (_args, { signal }) =>
      new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          resolve(
            signal.aborted ? { ...text('cancelled'), isError: true } : text(`slept ${ms} ms`),
          );
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
      }),
  };
}

/** `fail`: a tool-level failure (`isError: true`), not a protocol error. */
export const failingTool: FakeTool = {
  name: 'fail',
  description: 'Always fails with a tool error.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  handler: () => ({ ...text('upstream tool failed'), isError: true }),
};

/** `add`: returns `structuredContent` `{ sum }` matching its `outputSchema`. */
export const structuredTool: FakeTool = {
  name: 'add',
  description: 'Adds two numbers; structured output.',
  inputSchema: {
    type: 'object',
    properties: {
      a: { type: 'number', description: 'First addend.' },
      b: { type: 'number', description: 'Second addend.' },
    },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { sum: { type: 'number', description: 'a + b' } },
    required: ['sum'],
    additionalProperties: false,
  },
  handler: (args) => {
    const sum = Number(args['a']) + Number(args['b']);
    return { ...text(JSON.stringify({ sum })), structuredContent: { sum } };
  },
};
