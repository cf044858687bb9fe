import { CLIENT_CAPABILITIES_META_KEY, SERVER_INFO_META_KEY, TRACEPARENT_META_KEY } from '@modelcontextprotocol/server';
import { validateToolInput, type BuiltInToolName } from '@mcpgw/tool-schemas';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import type { Cancellation } from '@mcpgw/resilience';
import type { createBuiltinHandlers } from '../builtins/builtin-tools.js';
import type { Catalogue } from '../catalogue/catalogue.js';
import { isInputRequired } from '../upstreams/input-required.js';
import { legacyOutputSchema, projectedForLegacyClient, wrapsForLegacyClient } from '../upstreams/result-shape.js';
import { toClientError } from '../upstreams/upstream-errors.js';
import { JsonRpcError, rpcErrors } from './jsonrpc.js';
import { paginate } from './pagination.js';
import { MODERN_VERSIONS, negotiateLegacyVersion } from './protocol.js';
import type { UpstreamServerRequest } from './server-requests.js';
import { isJsonObject } from '../support/json-object.js';

export type Era = 'legacy' | 'modern';

/** Per-request facts the dispatcher needs; decided by the HTTP entry, never recomputed. */
export interface DispatchContext {
  era: Era;
  /** The request's cancellation (client gone, `notifications/cancelled`); no AbortSignal made unless a library needs one. */
  cancellation: Cancellation;
  /** Authorization predicates of the caller; absent = everything (internal use only). */
  mayUse?: (name: string) => boolean;
  mayRead?: (uri: string) => boolean;
  /** Set when the client asked for progress (a progressToken) and can receive a stream. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Set when the client can receive a stream: the upstream's log messages (`notifications/message`) for this request. */
  onLog?: (log: UpstreamLog) => void;
  /** Set when the client can be asked (2025-era, takes a stream): the upstream's sampling and elicitation requests for this request. */
  onServerRequest?: (request: UpstreamServerRequest) => void;
  /** Set by the dispatcher for telemetry and audit: what was called and where it went. */
  tool?: string;
  upstream?: string;
}

/** An upstream's log message (`notifications/message` params), rebuilt field by field. */
export interface UpstreamLog {
  level: string;
  logger?: string;
  data: unknown;
}

export interface DispatcherDeps {
  catalogue: Catalogue;
  builtins: ReturnType<typeof createBuiltinHandlers>;
  serverInfo: { name: string; version: string };
  instructions?: string;
  pageSize: number;
}

type Handler = (params: Record<string, unknown>, ctx: DispatchContext) => Promise<Record<string, unknown>>;

// 2025-era clients get no list-changed notifications: stateless serving keeps no GET stream (ADR 0005).
const CAPABILITIES = { tools: {}, resources: {}, prompts: {}, logging: {}, completions: {} };
const MODERN_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/**
 * The gateway's MCP method table, shared by both protocol eras and the REST facade. Upstream
 * results are relayed as they are; the modern era adds its result envelope (`resultType`).
 */
export class McpDispatcher {
  private readonly handlers: Record<string, Handler>;

  constructor(private readonly deps: DispatcherDeps) {
    this.handlers = {
      initialize: async (params, ctx) => {
        if (ctx.era === 'modern') throw rpcErrors.methodNotFound('initialize');
        return {
          protocolVersion: negotiateLegacyVersion(params['protocolVersion']),
          capabilities: CAPABILITIES,
          serverInfo: deps.serverInfo,
          ...(deps.instructions ? { instructions: deps.instructions } : {}),
        };
      },
      'server/discover': async (_params, ctx) => {
        if (ctx.era === 'legacy') throw rpcErrors.methodNotFound('server/discover');
        return {
          supportedVersions: [...MODERN_VERSIONS],
          // The modern era has subscriptions/listen, so list changes reach its clients.
          capabilities: MODERN_CAPABILITIES,
          ...(deps.instructions ? { instructions: deps.instructions } : {}),
        };
      },
      ping: async () => ({}),
      'logging/setLevel': async () => ({}),
      'tools/list': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        // Exactly the tools a call would be allowed for (same predicate as tools/call).
        const visible = deps.catalogue.tools().filter((t) => allows(ctx.mayUse, t.name));
        const { page, nextCursor } = paginate(visible, params['cursor'], deps.pageSize);
        const tools = page.map((t) => (ctx.era === 'legacy' ? legacyDefinition(t.definition) : t.definition));
        return { tools, ...(nextCursor ? { nextCursor } : {}) };
      },
      'tools/call': (params, ctx) => this.callTool(params, ctx),
      'prompts/list': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        const visible = deps.catalogue.prompts().filter((p) => allows(ctx.mayUse, p.name));
        const { page, nextCursor } = paginate(visible, params['cursor'], deps.pageSize);
        return { prompts: page.map((p) => p.definition), ...(nextCursor ? { nextCursor } : {}) };
      },
      'prompts/get': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        const prompt = deps.catalogue.findPrompt(String(params['name']));
        if (!prompt || !allows(ctx.mayUse, prompt.name)) throw rpcErrors.invalidParams(`Unknown prompt: ${String(params['name']).slice(0, 200)}`);
        ctx.upstream = prompt.upstream.id;
        return this.forward(prompt.upstream, 'prompts/get', { ...params, name: prompt.originalName }, ctx);
      },
      'resources/list': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        const visible = deps.catalogue.resources().filter((r) => allows(ctx.mayRead, String(r['uri'])));
        const { page, nextCursor } = paginate(visible, params['cursor'], deps.pageSize);
        return { resources: page, ...(nextCursor ? { nextCursor } : {}) };
      },
      'resources/templates/list': async (params) => {
        await deps.catalogue.ensureLoaded();
        const { page, nextCursor } = paginate(deps.catalogue.resourceTemplates(), params['cursor'], deps.pageSize);
        return { resourceTemplates: page, ...(nextCursor ? { nextCursor } : {}) };
      },
      'completion/complete': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        const ref = (params['ref'] ?? {}) as { type?: unknown; name?: unknown; uri?: unknown };
        if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
          const prompt = deps.catalogue.findPrompt(ref.name);
          if (!prompt || !allows(ctx.mayUse, prompt.name)) throw rpcErrors.invalidParams(`Unknown prompt: ${ref.name.slice(0, 200)}`);
          ctx.upstream = prompt.upstream.id;
          return this.forward(prompt.upstream, 'completion/complete', { ...params, ref: { ...ref, name: prompt.originalName } }, ctx);
        }
        if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
          const owner = allows(ctx.mayRead, ref.uri) ? deps.catalogue.ownerOfResource(ref.uri) : undefined;
          if (!owner) throw new JsonRpcError(-32002, `Resource not found: ${ref.uri.slice(0, 200)}`, { reason: 'resource_not_found' });
          ctx.upstream = owner.id;
          return this.forward(owner, 'completion/complete', params, ctx);
        }
        throw rpcErrors.invalidParams('ref: must be a ref/prompt with a name or a ref/resource with a uri');
      },
      'resources/read': async (params, ctx) => {
        await deps.catalogue.ensureLoaded();
        const uri = String(params['uri']);
        const owner = allows(ctx.mayRead, uri) ? deps.catalogue.ownerOfResource(uri) : undefined;
        if (!owner) throw new JsonRpcError(-32002, `Resource not found: ${uri.slice(0, 200)}`, { reason: 'resource_not_found' });
        ctx.upstream = owner.id;
        return this.forward(owner, 'resources/read', params, ctx);
      },
    };
  }

  /**
   * Whether `method` exists in `era` (`initialize` is 2025-era only, `server/discover` 2026-era
   * only): checked before the params, as the SDK does, so an unknown method is -32601 whatever
   * its params.
   */
  serves(method: string, era: Era): boolean {
    if (!Object.hasOwn(this.handlers, method)) return false;
    return !((era === 'modern' && method === 'initialize') || (era === 'legacy' && method === 'server/discover'));
  }

  /**
   * Answers one request whose params the pipeline already validated against the spec
   * (`validateParams`, once per request: the pipeline needs them valid before routing).
   */
  async dispatch(method: string, params: Record<string, unknown>, ctx: DispatchContext): Promise<Record<string, unknown>> {
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, method) ? this.handlers[method] : undefined;
    if (!handler) throw rpcErrors.methodNotFound(method);
    const result = await handler(params, ctx);
    return ctx.era === 'modern' ? this.modernEnvelope(method, result) : stripModernFields(result);
  }

  private async callTool(params: Record<string, unknown>, ctx: DispatchContext): Promise<Record<string, unknown>> {
    const name = String(params['name']);
    const args = (params['arguments'] ?? {}) as Record<string, unknown>;
    ctx.tool = name;
    await this.deps.catalogue.ensureLoaded();
    const tool = this.deps.catalogue.findTool(name);
    if (!tool || !allows(ctx.mayUse, name)) throw rpcErrors.unknownTool(name);
    if (tool.owner.kind === 'builtin') {
      ctx.upstream = 'builtin';
      const checked = validateToolInput(tool.originalName, args);
      if (!checked.ok) {
        const first = checked.errors[0];
        throw rpcErrors.invalidParams(`${first?.field ?? 'arguments'}: ${first?.message ?? 'invalid'}`, { errors: checked.errors });
      }
      const handler = this.deps.builtins[tool.originalName as BuiltInToolName] as (
        a: unknown,
        c?: Cancellation,
      ) => Promise<Record<string, unknown>>;
      return handler(checked.value, ctx.cancellation);
    }
    ctx.upstream = tool.owner.upstream.id;
    const result = await this.forward(tool.owner.upstream, 'tools/call', { ...params, name: tool.originalName, arguments: args }, ctx);
    // A 2026-era tool's structured output as a 2025-era client's listing describes it (SEP-2106).
    if (ctx.era === 'legacy' && !isInputRequired(result)) return projectedForLegacyClient(result, tool.definition['outputSchema']);
    return result;
  }

  private async forward(
    upstream: {
      id: string;
      request: (
        m: string,
        p: Record<string, unknown>,
        o: {
          cancellation?: Cancellation;
          onprogress?: DispatchContext['onProgress'];
          onlog?: DispatchContext['onLog'];
          onrequest?: DispatchContext['onServerRequest'];
          clientEra?: Era;
          clientCapabilities?: Record<string, unknown>;
        },
      ) => Promise<Record<string, unknown>>;
    },
    method: string,
    params: Record<string, unknown>,
    ctx: DispatchContext,
  ): Promise<Record<string, unknown>> {
    // Trace context travels in params._meta too, for upstreams behind stdio.
    const carrier = injectTraceHeaders<Record<string, string>>({});
    const meta = { ...((params['_meta'] as Record<string, unknown> | undefined) ?? {}) };
    // What a modern client can be asked: an upstream's input_required answer may ask only that.
    const declared = ctx.era === 'modern' ? meta[CLIENT_CAPABILITIES_META_KEY] : undefined;
    const clientCapabilities = isJsonObject(declared) ? declared : undefined;
    for (const key of Object.keys(meta)) if (key.startsWith('io.modelcontextprotocol/')) delete meta[key];
    // The client's progress token is the gateway's to answer; the SDK client sets its own upstream.
    delete meta['progressToken'];
    if (carrier['traceparent']) meta[TRACEPARENT_META_KEY] = carrier['traceparent'];
    try {
      return await upstream.request(method, { ...params, _meta: meta }, {
        cancellation: ctx.cancellation,
        onprogress: ctx.onProgress,
        onlog: ctx.onLog,
        onrequest: ctx.onServerRequest,
        clientEra: ctx.era,
        clientCapabilities,
      });
    } catch (err) {
      throw toClientError(upstream.id, err);
    }
  }

  private modernEnvelope(method: string, result: Record<string, unknown>): Record<string, unknown> {
    const meta = { ...((result['_meta'] as Record<string, unknown> | undefined) ?? {}), [SERVER_INFO_META_KEY]: this.deps.serverInfo };
    // Results a client may cache: lists, discovery, and resource contents.
    const list = method.endsWith('/list') || method === 'server/discover' || method === 'resources/read';
    // An upstream's input_required answer reaches a modern client as it is: the client asks its user and sends the request again.
    if (result['resultType'] === 'input_required') return { ...result, _meta: meta };
    return { ...result, resultType: 'complete', ...(list ? { ttlMs: 0, cacheScope: 'private' } : {}), _meta: meta };
  }
}

/** A tool definition as a 2025-era client's SDK accepts it: an output schema that is not an object is wrapped. */
function legacyDefinition(definition: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const schema = definition['outputSchema'];
  return wrapsForLegacyClient(schema) ? { ...definition, outputSchema: legacyOutputSchema(schema as Record<string, unknown>) } : definition;
}

const allows = (predicate: ((value: string) => boolean) | undefined, value: string) => predicate === undefined || predicate(value);

/** An upstream of the modern era adds its own envelope fields; a legacy client gets the plain result. */
function stripModernFields(result: Record<string, unknown>): Record<string, unknown> {
  if (!('resultType' in result) && !('ttlMs' in result) && !('cacheScope' in result) && !hasServerInfo(result)) return result;
  const { resultType: _r, ttlMs: _t, cacheScope: _c, ...rest } = result;
  if (hasServerInfo(rest)) {
    const { [SERVER_INFO_META_KEY]: _s, ...meta } = rest['_meta'] as Record<string, unknown>;
    return Object.keys(meta).length ? { ...rest, _meta: meta } : (({ _meta: _m, ...plain }) => plain)(rest);
  }
  return rest;
}

function hasServerInfo(result: Record<string, unknown>): boolean {
  const meta = result['_meta'];
  return !!meta && typeof meta === 'object' && SERVER_INFO_META_KEY in meta;
}
