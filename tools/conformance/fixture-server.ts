/**
 * The conformance fixture upstream: an MCP server on the official v1 SDK (low-level `Server`, so
 * schemas go on the wire verbatim) with 2025-era Streamable HTTP sessions, serving the catalogue
 * the suite's server scenarios expect.
 *
 * Endpoints (one process):
 *   /mcp         the whole catalogue under the suite's names (run the suite here to check the fixture)
 *   /<ns>/mcp    the entries named `<ns>_<rest>`, listed as `<rest>` (ns = test, json)
 * A gateway with `namespaceSeparator: "_"` and upstreams `test` → /test/mcp, `json` → /json/mcp
 * therefore exposes exactly the suite's names (`test` + `_` + `simple_text` = `test_simple_text`).
 *
 * Usage: node --import tsx tools/conformance/fixture-server.ts [--port 0]
 * Prints one JSON line `{"message":"listening","url":...}` on stdout once it accepts connections.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  complete,
  PROMPTS,
  readResource,
  RESOURCE_TEMPLATES,
  RESOURCES,
  TOOLS,
  type ToolContext,
} from './fixture-catalogue.js';

/** Which slice of the catalogue an endpoint serves, and under which names. */
interface View {
  /** `undefined`: the whole catalogue under the suite's names. */
  readonly namespace?: string;
  /** Resources carry URIs, not names: only one view serves them. */
  readonly servesResources: boolean;
}

const NAMESPACES = [
  ...new Set([...TOOLS, ...PROMPTS].map((entry) => entry.name.split('_')[0] ?? '')),
];
const RESOURCE_NAMESPACE = 'test';

/** The name a view lists for a catalogue name, or undefined when the entry is not in the view. */
function exposedName(view: View, name: string): string | undefined {
  if (view.namespace === undefined) return name;
  const prefix = `${view.namespace}_`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

const catalogueName = (view: View, exposed: string) =>
  view.namespace === undefined ? exposed : `${view.namespace}_${exposed}`;

function createFixtureServer(view: View): Server {
  const server = new Server(
    { name: 'mcpgw-conformance-fixture', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
        ...(view.servesResources ? { resources: { subscribe: true, listChanged: true } } : {}),
      },
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.flatMap((tool) => {
      const name = exposedName(view, tool.name);
      return name === undefined
        ? []
        : [{ name, description: tool.description, inputSchema: tool.inputSchema }];
    }),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = TOOLS.find((t) => exposedName(view, t.name) === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const progressToken = request.params._meta?.progressToken;
    const ctx: ToolContext = {
      log: (level, data) =>
        extra.sendNotification({
          method: 'notifications/message',
          params: { level, logger: 'conformance-fixture', data },
        }),
      progress: async (progress, total) => {
        if (progressToken !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total },
          });
      },
      ask: async (method, params) => {
        const schema =
          method === 'sampling/createMessage' ? CreateMessageResultSchema : ElicitResultSchema;
        return (await extra.sendRequest({ method, params }, schema)) as Record<string, unknown>;
      },
    };
    try {
      return await tool.run(request.params.arguments ?? {}, ctx);
    } catch (err) {
      return {
        isError: true,
        content: [{ type: 'text', text: err instanceof Error ? err.message : String(err) }],
      };
    }
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: PROMPTS.flatMap((prompt) => {
      const name = exposedName(view, prompt.name);
      return name === undefined
        ? []
        : [
            {
              name,
              description: prompt.description,
              ...(prompt.arguments ? { arguments: prompt.arguments } : {}),
            },
          ];
    }),
  }));

  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = PROMPTS.find((p) => exposedName(view, p.name) === request.params.name);
    if (!prompt)
      throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
    return prompt.get(request.params.arguments ?? {});
  });

  server.setRequestHandler(CompleteRequestSchema, (request) => {
    const ref = request.params.ref;
    const values =
      ref.type === 'ref/prompt'
        ? complete(
            catalogueName(view, ref.name),
            request.params.argument.name,
            request.params.argument.value,
          )
        : [];
    return { completion: { values, total: values.length, hasMore: false } };
  });

  server.setRequestHandler(SetLevelRequestSchema, () => ({}));

  if (view.servesResources) {
    server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [...RESOURCES] }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: [...RESOURCE_TEMPLATES],
    }));
    server.setRequestHandler(ReadResourceRequestSchema, (request) => {
      const result = readResource(request.params.uri);
      if (!result) throw new McpError(-32002, `Resource not found: ${request.params.uri}`);
      return result;
    });
    server.setRequestHandler(SubscribeRequestSchema, () => ({}));
    server.setRequestHandler(UnsubscribeRequestSchema, () => ({}));
  }
  return server;
}

function viewFor(pathname: string): View | undefined {
  if (pathname === '/mcp') return { servesResources: true };
  const match = /^\/([a-z]+)\/mcp$/.exec(pathname);
  const namespace = match?.[1];
  if (namespace === undefined || !NAMESPACES.includes(namespace)) return undefined;
  return { namespace, servesResources: namespace === RESOURCE_NAMESPACE };
}

const sessions = new Map<string, StreamableHTTPServerTransport>();
/** Host header values a request may carry (DNS-rebinding protection), filled in once listening. */
const allowedHosts = new Set<string>();

/** A browser page on another site must not reach the fixture through a rebound DNS name. */
function hostAllowed(req: IncomingMessage): boolean {
  if (!allowedHosts.has(req.headers.host ?? '')) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return allowedHosts.has(new URL(origin).host);
  } catch {
    return false;
  }
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const view = viewFor(new URL(req.url ?? '/', 'http://fixture').pathname);
  if (!view) return jsonError(res, 404, 'Not found');
  if (!hostAllowed(req)) return jsonError(res, 403, 'Forbidden: Host or Origin not allowed');
  const sessionId = req.headers['mcp-session-id'];
  const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
  if (existing) return existing.handleRequest(req, res);
  if (sessionId !== undefined) return jsonError(res, 404, 'Session not found');
  if (req.method !== 'POST') return jsonError(res, 400, 'Bad Request: no session');
  let body: unknown;
  try {
    body = await readJson(req);
  } catch {
    return jsonError(res, 400, 'Parse error');
  }
  if (!isInitializeRequest(body)) return jsonError(res, 400, 'Bad Request: Server not initialized');
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    // Resumable SSE streams: priming event, retry hint, replay after Last-Event-ID (SEP-1699).
    eventStore: new InMemoryEventStore(),
    retryInterval: 500,
    onsessioninitialized: (id) => void sessions.set(id, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await createFixtureServer(view).connect(transport);
  await transport.handleRequest(req, res, body);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('fixture request failed', err);
      if (!res.headersSent) jsonError(res, 500, 'Internal error');
    });
  });
  http.listen(Number(values.port), values.host, () => {
    const { port } = http.address() as AddressInfo;
    const url = `http://${values.host}:${port}`;
    for (const name of [values.host, 'localhost', '127.0.0.1', '[::1]'])
      allowedHosts.add(`${name}:${port}`);
    const endpoints = Object.fromEntries(NAMESPACES.map((ns) => [ns, `${url}/${ns}/mcp`]));
    console.log(JSON.stringify({ message: 'listening', url, whole: `${url}/mcp`, endpoints }));
  });
  const stop = () => {
    for (const transport of sessions.values()) void transport.close();
    http.close(() => process.exit(0));
    http.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
