import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { classifyInboundRequest, localhostAllowedOrigins, validateOriginHeader } from '@modelcontextprotocol/server';
import { ATTR_MCP_METHOD_NAME, extractTraceContext, type Logger } from '@mcpgw/telemetry';
import type { DispatchContext, Era, McpDispatcher } from './dispatcher.js';
import { errorBody, JsonRpcError, RPC, type JsonRpcId } from './jsonrpc.js';
import { methodLabel, type McpMetrics } from './mcp-metrics.js';
import { checkModernRequest, LEGACY_VERSIONS } from './protocol.js';
import { BodyTooLargeError, readBody } from './read-body.js';

export interface McpEntryOptions {
  dispatcher: McpDispatcher;
  metrics: McpMetrics;
  logger: Logger;
  maxBodyBytes: number;
  /** Hostnames browsers may call from, beyond localhost. */
  allowedOrigins: readonly string[];
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

const fail = (res: ServerResponse, id: JsonRpcId, err: JsonRpcError) => send(res, err.httpStatus, errorBody(id, err));

/**
 * The lean `/mcp` entry (see ADR 0005): plain `node:http` in front of the shared dispatcher, for
 * both protocol eras. Fixed phases: transport guards (method, Origin, media types, body size) →
 * JSON parse → era classification and the validation ladder (SDK) → dispatch → one JSON answer.
 */
export function createMcpEntry(options: McpEntryOptions) {
  const origins = [...localhostAllowedOrigins(), ...options.allowedOrigins];
  const tracer = trace.getTracer('@mcpgw/gateway');
  const inFlight = new Map<string, AbortController>();

  return async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Stateless serving: no GET stream and no session to delete (ADR 0005).
    if (req.method !== 'POST') {
      send(res, 405, errorBody(null, new JsonRpcError(-32000, 'Method not allowed.')), { allow: 'POST' });
      return;
    }
    const origin = validateOriginHeader(header(req, 'origin'), origins);
    if (!origin.ok) {
      req.resume();
      fail(res, null, new JsonRpcError(-32000, 'Forbidden: origin not allowed', { httpStatus: 403 }));
      return;
    }
    const contentType = header(req, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      req.resume();
      fail(res, null, new JsonRpcError(-32000, 'Unsupported Media Type: Content-Type must be application/json', { httpStatus: 415 }));
      return;
    }
    const accept = header(req, 'accept');
    if (accept && !/application\/json|\*\/\*|application\/\*/i.test(accept)) {
      req.resume();
      fail(res, null, new JsonRpcError(-32000, 'Not Acceptable: the client must accept application/json', { httpStatus: 406 }));
      return;
    }

    let body: unknown;
    try {
      const raw = await readBody(req, options.maxBodyBytes);
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        fail(res, null, new JsonRpcError(RPC.INVALID_REQUEST, `Payload Too Large: ${err.message}`, { httpStatus: 413 }));
        req.destroy();
        return;
      }
      fail(res, null, new JsonRpcError(RPC.PARSE_ERROR, 'Parse error: invalid JSON', { httpStatus: 400 }));
      return;
    }
    if (Array.isArray(body)) {
      fail(res, null, new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: JSON-RPC batches are not supported', { httpStatus: 400 }));
      return;
    }

    const headers = {
      protocolVersion: header(req, 'mcp-protocol-version'),
      mcpMethod: header(req, 'mcp-method'),
      mcpName: header(req, 'mcp-name'),
    };
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: headers.protocolVersion,
      mcpMethodHeader: headers.mcpMethod,
      mcpNameHeader: headers.mcpName,
      body,
    });
    const id = idOf(body);
    if (route.kind === 'reject') {
      fail(res, id, new JsonRpcError(route.code, route.message, { data: route.data, httpStatus: route.httpStatus }));
      return;
    }

    let era: Era;
    let message: { method: string; id?: JsonRpcId; params?: unknown };
    if (route.kind === 'modern') {
      era = 'modern';
      message = route.message as { method: string; id?: JsonRpcId; params?: unknown };
      if (route.messageKind === 'request') {
        try {
          checkModernRequest(headers, message.method, route.classification.revision, message.params as Record<string, unknown>);
        } catch (err) {
          fail(res, id, err as JsonRpcError);
          return;
        }
      }
    } else {
      era = 'legacy';
      if (route.reason === 'response') {
        send(res, 202);
        return;
      }
      const isInitialize = (body as { method?: unknown }).method === 'initialize';
      if (!isInitialize && headers.protocolVersion !== undefined && !LEGACY_VERSIONS.includes(headers.protocolVersion)) {
        fail(res, id, new JsonRpcError(RPC.INVALID_REQUEST, `Bad Request: unsupported protocol version ${headers.protocolVersion.slice(0, 40)}`, {
          httpStatus: 400,
          data: { supported: [...LEGACY_VERSIONS] },
        }));
        return;
      }
      message = body as { method: string; id?: JsonRpcId; params?: unknown };
    }

    const clientKey = `${req.socket.remoteAddress ?? ''}`;
    if (message.id === undefined) {
      handleNotification(message, clientKey, inFlight);
      send(res, 202);
      return;
    }

    const started = performance.now();
    const controller = new AbortController();
    const flightKey = `${clientKey}|${String(message.id)}`;
    inFlight.set(flightKey, controller);
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const ctx: DispatchContext = { era, signal: controller.signal };
    const parent = extractTraceContext(req.headers);
    const span = tracer.startSpan(message.method, { kind: SpanKind.SERVER, attributes: { [ATTR_MCP_METHOD_NAME]: message.method, 'mcp.protocol.version': headers.protocolVersion ?? (era === 'modern' ? '2026-07-28' : 'legacy') } }, parent);
    let outcome = 'ok';
    try {
      const result = await context.with(trace.setSpan(parent, span), () => options.dispatcher.dispatch(message.method, message.params, ctx));
      if (result['isError'] === true) outcome = 'tool_error';
      send(res, 200, { jsonrpc: '2.0', id: message.id, result });
    } catch (err) {
      const rpc = err instanceof JsonRpcError ? err : new JsonRpcError(RPC.INTERNAL_ERROR, 'Internal error', { cause: err });
      outcome = rpc.reason;
      if (rpc.code === RPC.INTERNAL_ERROR) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        options.logger.error('mcp request failed', { method: message.method, err });
      }
      fail(res, message.id ?? null, rpc);
    } finally {
      inFlight.delete(flightKey);
      finishTelemetry(span, ctx, message.method, era, outcome, started, options.metrics);
    }
  };
}

function finishTelemetry(
  span: ReturnType<ReturnType<typeof trace.getTracer>['startSpan']>,
  ctx: DispatchContext,
  method: string,
  era: Era,
  outcome: string,
  started: number,
  metrics: McpMetrics,
): void {
  if (ctx.tool) {
    span.updateName(`${method} ${ctx.tool}`);
    span.setAttribute('gen_ai.tool.name', ctx.tool);
  }
  if (ctx.upstream) span.setAttribute('mcp.upstream.id', ctx.upstream);
  span.setAttribute('mcp.outcome', outcome);
  span.end();
  metrics.requestDuration.observe({ method: methodLabel(method), era, outcome }, (performance.now() - started) / 1000);
  if (method === 'tools/call') {
    const known = ctx.upstream !== undefined;
    metrics.toolExecutions.inc({ tool: known ? (ctx.tool ?? 'unknown') : 'unknown', upstream: ctx.upstream ?? 'none', outcome });
  }
}

function handleNotification(message: { method: string; params?: unknown }, clientKey: string, inFlight: Map<string, AbortController>): void {
  if (message.method !== 'notifications/cancelled') return;
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  if (typeof requestId === 'string' || typeof requestId === 'number') {
    inFlight.get(`${clientKey}|${String(requestId)}`)?.abort();
  }
}

function idOf(body: unknown): JsonRpcId {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
