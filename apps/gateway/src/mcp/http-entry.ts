import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { classifyInboundRequest, localhostAllowedOrigins, validateOriginHeader } from '@modelcontextprotocol/server';
import { Cancellation } from '@mcpgw/resilience';
import { ATTR_MCP_METHOD_NAME, type Logger } from '@mcpgw/telemetry';
import { randomUUID } from 'node:crypto';
import type { Admission, GatewayPipeline, RequestRecord } from '../pipeline/gateway-pipeline.js';
import { normaliseIp } from '../security/client-ip.js';
import { Denial } from '../security/denial.js';
import type { Era } from './dispatcher.js';
import { errorBody, JsonRpcError, RPC, type JsonRpcId } from './jsonrpc.js';
import { methodLabel, type McpMetrics } from './mcp-metrics.js';
import { checkModernRequest, LEGACY_VERSIONS } from './protocol.js';
import { isPlainLegacyRequest, PLAIN_LEGACY_ROUTE } from './plain-legacy-request.js';
import type { ListChangedHub, ListKind } from './list-changed-hub.js';
import { notificationRelay } from './notification-relay.js';
import { MAX_ANSWER_BYTES, type ServerAnswerRouter } from './server-answer-router.js';
import { clientAnswerOf, type PendingServerRequests } from './server-requests.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { BodyIncompleteError, BodyTooLargeError, readBody } from './read-body.js';
import { InFlightMap } from '../support/in-flight-map.js';

export interface McpEntryOptions {
  pipeline: GatewayPipeline;
  listChanged: ListChangedHub;
  metrics: McpMetrics;
  logger: Logger;
  /** Hostnames browsers may call from, beyond localhost. */
  allowedOrigins: readonly string[];
  /** Upstream requests relayed to clients, waiting for the answers clients POST back. */
  pendingServerRequests: PendingServerRequests;
  /** Takes those answers to the replica that relayed the request. */
  serverAnswers: ServerAnswerRouter;
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

/** A pipeline refusal on /mcp: its HTTP status and headers, with a JSON-RPC error body. */
const refuse = (res: ServerResponse, id: JsonRpcId, denial: Denial) =>
  send(res, denial.status, errorBody(id, new JsonRpcError(denial.rpcCode, denial.message)), denial.headers);

/**
 * The lean `/mcp` entry (see ADR 0005): plain `node:http` in front of the shared dispatcher, for
 * both protocol eras. Fixed phases: transport guards (method, Origin, media types, body size) →
 * JSON parse → era classification and the validation ladder (SDK) → dispatch → one JSON answer.
 */
export function createMcpEntry(options: McpEntryOptions) {
  const origins = [...localhostAllowedOrigins(), ...options.allowedOrigins];
  const tracer = trace.getTracer('@mcpgw/gateway');
  const inFlight = new InFlightMap<string, Cancellation>();

  return async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const record: RequestRecord = { requestId: randomUUID(), degraded: false, clientIp: normaliseIp(req.socket.remoteAddress ?? '') || undefined };
    let admitted = false;
    /** Every refusal is audited before it is answered (one event per request). */
    const refuseWith = async (id: JsonRpcId, err: JsonRpcError, reason: string, headers: Record<string, string> = {}) => {
      req.resume();
      // Refused before admission: the address admission would have recorded (behind a proxy, the client's).
      if (!admitted) record.clientIp = options.pipeline.clientIpOf({ headers: req.headers, socketAddress: req.socket.remoteAddress }) || undefined;
      await options.pipeline.finish(record, { status: err.httpStatus, decision: 'deny', reason, durationMs: performance.now() - started }, 'mcp.request');
      send(res, err.httpStatus, errorBody(id, err), headers);
    };

    // Stateless serving: no GET stream and no session to delete (ADR 0005).
    if (req.method !== 'POST') {
      await refuseWith(null, new JsonRpcError(-32000, 'Method not allowed.', { httpStatus: 405 }), 'method_not_allowed', { allow: 'POST' });
      return;
    }
    const origin = validateOriginHeader(header(req, 'origin'), origins);
    if (!origin.ok) {
      await refuseWith(null, new JsonRpcError(-32000, 'Forbidden: origin not allowed', { httpStatus: 403 }), 'origin_rejected');
      return;
    }
    const contentType = header(req, 'content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      await refuseWith(null, new JsonRpcError(-32000, 'Unsupported Media Type: Content-Type must be application/json', { httpStatus: 415 }), 'unsupported_media_type');
      return;
    }
    const accept = header(req, 'accept');
    if (accept && !/application\/json|\*\/\*|application\/\*/i.test(accept)) {
      await refuseWith(null, new JsonRpcError(-32000, 'Not Acceptable: the client must accept application/json', { httpStatus: 406 }), 'not_acceptable');
      return;
    }

    let admission: Admission;
    try {
      admission = await options.pipeline.admit({ headers: req.headers, url: req.url ?? '', socketAddress: req.socket.remoteAddress }, record);
    } catch (err) {
      req.resume();
      const denial = asDenial(err);
      if (denial.status >= 500 && denial.code === 'INTERNAL') options.logger.error('admission failed', { err });
      await options.pipeline.finish(record, { status: denial.status, decision: denial.status >= 500 ? 'error' : 'deny', reason: denial.reason, durationMs: performance.now() - started }, 'mcp.request');
      refuse(res, null, denial);
      return;
    }
    admitted = true;

    /** A body refused after admission spends a token like a call; past the limit the answer is the 429. */
    const refuseInvalid = async (id: JsonRpcId, err: JsonRpcError, reason: string) => {
      try {
        await options.pipeline.charge(admission);
      } catch (denied) {
        if (!(denied instanceof Denial)) throw denied;
        await options.pipeline.finish(record, { status: denied.status, decision: 'deny', reason: denied.reason, durationMs: performance.now() - started }, 'mcp.request');
        refuse(res, null, denied);
        return;
      }
      await refuseWith(id, err, reason);
    };

    let body: unknown;
    let tooDeep = false;
    try {
      const raw = await readBody(req, admission.maxBodyBytes);
      tooDeep = nestsDeeperThan(raw);
      if (!tooDeep) body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        // It spends a token like any refused body: a declared size alone gets it refused, at no cost to the sender otherwise.
        await options.pipeline.charge(admission).catch(() => undefined);
        await options.pipeline.finish(record, { status: 413, decision: 'deny', reason: 'body_too_large', durationMs: performance.now() - started }, 'mcp.request');
        res.setHeader('connection', 'close');
        fail(res, null, new JsonRpcError(RPC.INVALID_REQUEST, `Payload Too Large: ${err.message}`, { httpStatus: 413 }));
        req.destroy();
        return;
      }
      if (err instanceof BodyIncompleteError) {
        // Recorded, not answered: the connection is gone (or Node's request timeout answered 408).
        // It spends a token like any refused body, or cutting bodies off would be a free flood.
        await options.pipeline.charge(admission).catch(() => undefined);
        await options.pipeline.finish(record, { status: 408, decision: 'deny', reason: 'request_incomplete', durationMs: performance.now() - started }, 'mcp.request');
        req.destroy();
        return;
      }
      await refuseInvalid(null, new JsonRpcError(RPC.PARSE_ERROR, 'Parse error: invalid JSON', { httpStatus: 400 }), 'invalid_json');
      return;
    }
    if (tooDeep) {
      await refuseInvalid(null, new JsonRpcError(RPC.INVALID_REQUEST, `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { httpStatus: 400 }), 'too_deep');
      return;
    }
    if (Array.isArray(body)) {
      await refuseInvalid(null, new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: JSON-RPC batches are not supported', { httpStatus: 400 }), 'batch_rejected');
      return;
    }

    const headers = {
      protocolVersion: header(req, 'mcp-protocol-version'),
      mcpMethod: header(req, 'mcp-method'),
      mcpName: header(req, 'mcp-name'),
    };
    const route = isPlainLegacyRequest(body, headers.protocolVersion)
      ? PLAIN_LEGACY_ROUTE
      : classifyInboundRequest({
          httpMethod: 'POST',
          protocolVersionHeader: headers.protocolVersion,
          mcpMethodHeader: headers.mcpMethod,
          mcpNameHeader: headers.mcpName,
          body,
        });
    const id = idOf(body);
    if (route.kind === 'reject') {
      await refuseInvalid(id, new JsonRpcError(route.code, route.message, { data: route.data, httpStatus: route.httpStatus }), 'protocol_rejected');
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
          if (!(err instanceof JsonRpcError)) throw err;
          await refuseInvalid(id, err, err.reason ?? 'header_mismatch');
          return;
        }
      }
    } else {
      era = 'legacy';
      if (route.reason === 'response') {
        await answerRelayedRequest(options, admission, record, body, res, started);
        return;
      }
      const isInitialize = (body as { method?: unknown }).method === 'initialize';
      if (!isInitialize && headers.protocolVersion !== undefined && !LEGACY_VERSIONS.includes(headers.protocolVersion)) {
        await refuseInvalid(id, new JsonRpcError(RPC.INVALID_REQUEST, `Bad Request: unsupported protocol version ${headers.protocolVersion.slice(0, 40)}`, {
          httpStatus: 400,
          data: { supported: [...LEGACY_VERSIONS] },
        }), 'unsupported_version');
        return;
      }
      message = body as { method: string; id?: JsonRpcId; params?: unknown };
    }

    // Cancellation is scoped to the caller: one principal cannot cancel another's requests.
    const clientKey = admission.principal.id;
    if (message.id === undefined) {
      // Notifications spend no token and are never refused for rate: `initialized` completes the
      // handshake (a client with a one-token bucket could never connect) and `cancelled` stops
      // work; a refused one would be audited all the same.
      record.method = methodLabel(message.method);
      handleNotification(message, clientKey, inFlight);
      await options.pipeline.finish(record, { status: 202, decision: 'allow', durationMs: performance.now() - started }, 'mcp.request');
      send(res, 202);
      return;
    }

    if (era === 'modern' && message.method === 'subscriptions/listen') {
      await openSubscription(options, admission, record, message, res, started, refuseWith);
      return;
    }

    const cancellation = new Cancellation();
    const flightKey = `${clientKey}|${String(message.id)}`;
    inFlight.set(flightKey, cancellation);
    res.once('close', () => {
      if (!res.writableFinished) cancellation.abort();
    });
    // Progress and log messages are relayed when the client can take a stream: the response turns
    // into server-sent events at the first one (JSON otherwise).
    const relay = notificationRelay(res, message.params, header(req, 'accept'), era, { pending: options.pendingServerRequests, principal: clientKey });
    const parent = admission.traceContext;
    const span = tracer.startSpan(message.method, { kind: SpanKind.SERVER, attributes: { [ATTR_MCP_METHOD_NAME]: message.method, 'mcp.protocol.version': headers.protocolVersion ?? (era === 'modern' ? '2026-07-28' : 'legacy') } }, parent);
    record.traceId = trace.isSpanContextValid(span.spanContext()) ? span.spanContext().traceId : undefined;
    let outcome = 'ok';
    let decision: 'allow' | 'deny' | 'error' = 'allow';
    let reply: { status: number; body: unknown; headers?: Record<string, string> };
    try {
      const { result, headers: extra } = await context.with(trace.setSpan(parent, span), () =>
        options.pipeline.execute(admission, { method: message.method, params: message.params as Record<string, unknown> | undefined, era, cancellation, onProgress: relay?.onProgress, onLog: relay?.onLog, onServerRequest: relay?.onServerRequest, onAdmitted: relay?.setHeaders }, record),
      );
      if (result['isError'] === true) outcome = 'tool_error';
      reply = { status: 200, body: { jsonrpc: '2.0', id: message.id, result }, headers: extra };
    } catch (err) {
      if (err instanceof Denial) {
        outcome = err.reason;
        decision = 'deny';
        reply = { status: err.status, body: errorBody(message.id ?? null, new JsonRpcError(err.rpcCode, err.message)), headers: err.headers };
      } else {
        const rpc = err instanceof JsonRpcError ? options.pipeline.sanitizeError(err, record.tool) : new JsonRpcError(RPC.INTERNAL_ERROR, 'Internal error', { cause: err });
        outcome = rpc.reason;
        const failed = rpc.code === RPC.INTERNAL_ERROR || rpc.code === RPC.UPSTREAM_UNAVAILABLE || rpc.code === RPC.UPSTREAM_TIMEOUT;
        decision = failed ? 'error' : 'deny';
        if (rpc.code === RPC.INTERNAL_ERROR) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          options.logger.error('mcp request failed', { method: message.method, err });
        }
        reply = { status: rpc.httpStatus, body: errorBody(message.id ?? null, rpc) };
      }
    } finally {
      inFlight.delete(flightKey);
      relay?.close();
    }
    // The audit event is written before the response leaves (its status is the outcome's).
    await options.pipeline.finish(record, { status: auditStatus(reply.status, outcome), decision, reason: decision === 'allow' ? undefined : outcome, durationMs: performance.now() - started }, 'mcp.request');
    if (relay?.dropped()) options.logger.warn('upstream notifications dropped', { tool: record.tool, upstream: record.upstream, dropped: relay.dropped() });
    try {
      if (relay?.streaming()) relay.finish(reply.body);
      else send(res, reply.status, reply.body, reply.headers);
    } finally {
      // After the answer, in the same turn: metrics and the span are no reason to keep the caller waiting.
      finishTelemetry(span, record, message.method, era, outcome, started, options.metrics);
    }
  };
}

/**
 * A client's answer to an upstream's request relayed to it (sampling, elicitation): rate-limited
 * and audited like any request, and handed to the upstream when this principal was asked (by this
 * replica or, through the state store, another). Anything else has nothing to answer and is
 * acknowledged all the same (no oracle for ids).
 */
async function answerRelayedRequest(options: McpEntryOptions, admission: Admission, record: RequestRecord, body: unknown, res: ServerResponse, started: number): Promise<void> {
  try {
    await options.pipeline.acceptClientAnswer(admission, record);
  } catch (err) {
    const denial = asDenial(err);
    await options.pipeline.finish(record, { status: denial.status, decision: denial.status >= 500 ? 'error' : 'deny', reason: denial.reason, durationMs: performance.now() - started }, 'mcp.request');
    refuse(res, null, denial);
    return;
  }
  const answered = clientAnswerOf(body);
  const route = answered ? await options.serverAnswers.answer(admission.principal.id, answered.id, answered.answer) : 'unmatched';
  if (route === 'too_large') {
    await options.pipeline.finish(record, { status: 413, decision: 'deny', reason: 'answer_too_large', durationMs: performance.now() - started }, 'mcp.request');
    fail(res, null, new JsonRpcError(RPC.INVALID_REQUEST, `Payload Too Large: an answer to a relayed request may have at most ${MAX_ANSWER_BYTES} bytes`, { httpStatus: 413 }));
    return;
  }
  if (route === 'unmatched') options.logger.debug('client response matches no relayed request', { request_id: record.requestId });
  await options.pipeline.finish(record, { status: 202, decision: 'allow', reason: route, durationMs: performance.now() - started }, 'mcp.request');
  send(res, 202);
}

/** A failure of an admission step as the denial to answer: its own, or a 500 keeping the cause for the log. */
function asDenial(err: unknown): Denial {
  return err instanceof Denial ? err : new Denial(500, 'INTERNAL', 'Internal error', 'internal', { cause: err });
}

/** `subscriptions/listen` (2026-07-28): an SSE stream of list-changed notifications for this caller. */
async function openSubscription(
  options: McpEntryOptions,
  admission: Admission,
  record: RequestRecord,
  message: { id?: JsonRpcId; params?: unknown },
  res: ServerResponse,
  started: number,
  refuseWith: (id: JsonRpcId, err: JsonRpcError, reason: string, headers?: Record<string, string>) => Promise<void>,
): Promise<void> {
  const id = message.id ?? null;
  const filter = (message.params as { notifications?: Record<string, unknown> } | undefined)?.notifications;
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) {
    await refuseWith(id, new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: notifications must be an object'), 'invalid_params');
    return;
  }
  if (!options.listChanged.hasRoom()) {
    await refuseWith(id, new JsonRpcError(RPC.INTERNAL_ERROR, 'Subscription limit reached'), 'subscription_limit');
    return;
  }
  try {
    await options.pipeline.acceptSubscription(admission, record);
  } catch (err) {
    const denial = asDenial(err);
    await refuseWith(id, new JsonRpcError(denial.rpcCode, denial.message, { httpStatus: denial.status }), denial.reason, denial.headers);
    return;
  }
  const kinds = new Set<ListKind>();
  if (filter['toolsListChanged'] === true) kinds.add('tools');
  if (filter['promptsListChanged'] === true) kinds.add('prompts');
  if (filter['resourcesListChanged'] === true) kinds.add('resources');
  await options.pipeline.finish(record, { status: 200, decision: 'allow', durationMs: performance.now() - started }, 'mcp.request');
  options.listChanged.open(res, id ?? 'listen', kinds);
}

/** JSON-RPC errors travel with HTTP 200; the audit trail records what they mean. */
function auditStatus(httpStatus: number, outcome: string): number {
  if (httpStatus !== 200 || outcome === 'ok' || outcome === 'tool_error') return httpStatus;
  if (outcome === 'upstream_timeout') return 504;
  if (outcome.startsWith('upstream') || outcome === 'breaker_open') return 503;
  if (outcome === 'rpc_error_32603') return 500;
  return 400;
}

function finishTelemetry(
  span: ReturnType<ReturnType<typeof trace.getTracer>['startSpan']>,
  ctx: RequestRecord,
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

function handleNotification(message: { method: string; params?: unknown }, clientKey: string, inFlight: InFlightMap<string, Cancellation>): void {
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
