import type { Express, Request, Response } from 'express';
import { errorEnvelope, successEnvelope } from '@mcpgw/tool-schemas';
import { localhostAllowedOrigins, validateOriginHeader } from '@modelcontextprotocol/server';
import { Cancellation } from '@mcpgw/resilience';
import { requestBodySize, requestContext } from '@mcpgw/service-kit';
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from './mcp/json-depth.js';
import { JsonRpcError, RPC } from './mcp/jsonrpc.js';
import type { GatewayPipeline, RequestRecord } from './pipeline/gateway-pipeline.js';
import { Denial } from './security/denial.js';
import { isJsonObject } from './support/json-object.js';

/** Whether a body comes with the request (a POST without one calls the tool with no arguments). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** HTTP status and envelope code for a JSON-RPC failure on the REST facade. */
function statusFor(err: JsonRpcError): { status: number; code: string } {
  if (err.reason === 'unknown_tool') return { status: 404, code: 'NOT_FOUND' };
  switch (err.code) {
    case RPC.INVALID_PARAMS:
      return { status: 400, code: 'VALIDATION_FAILED' };
    case RPC.UPSTREAM_UNAVAILABLE:
      return { status: 503, code: 'UPSTREAM_UNAVAILABLE' };
    case RPC.UPSTREAM_TIMEOUT:
      return { status: 504, code: 'UPSTREAM_TIMEOUT' };
    default:
      return err.code === RPC.INTERNAL_ERROR ? { status: 500, code: 'INTERNAL' } : { status: 502, code: 'UPSTREAM_ERROR' };
  }
}

/**
 * The REST facade of the original design — `GET /mcp/tools` and `POST /mcp/call/{tool}` with the
 * arguments as the JSON body — through the same pipeline as `/mcp` (IP gate, authentication,
 * authorization, rate limit, validation, sanitization, audit).
 */
export function mountRestFacade(app: Express, pipeline: GatewayPipeline, version: string, allowedOrigins: readonly string[]): void {
  const origins = [...localhostAllowedOrigins(), ...allowedOrigins];
  /**
   * The transport guards `/mcp` applies, before the pipeline: a foreign Origin (a web page making
   * a visitor's browser call tools) → 403, a body that is not JSON → 415, nesting past the limit
   * → 400. Refusals are audited like the pipeline's.
   */
  const guarded = async (req: Request, res: Response): Promise<boolean> => {
    let refusal: { status: number; code: string; message: string; reason: string } | undefined;
    if (!validateOriginHeader(req.get('origin'), origins).ok) {
      refusal = { status: 403, code: 'FORBIDDEN', message: 'origin not allowed', reason: 'origin_rejected' };
    } else if (req.method === 'POST' && hasBody(req) && !req.is('application/json')) {
      refusal = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body must be application/json', reason: 'unsupported_media_type' };
    } else if (valueNestsDeeperThan(req.body)) {
      refusal = { status: 400, code: 'VALIDATION_FAILED', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, reason: 'too_deep' };
    }
    if (!refusal) return true;
    const ctx = requestContext(res);
    // Refused before admission: the address admission would have recorded (behind a proxy, the client's).
    const clientIp = pipeline.clientIpOf({ headers: req.headers, socketAddress: req.socket.remoteAddress }) || undefined;
    const record: RequestRecord = { requestId: ctx.requestId, traceId: ctx.traceId || undefined, degraded: false, clientIp };
    await pipeline.finish(record, { status: refusal.status, decision: 'deny', reason: refusal.reason, durationMs: 0 }, 'rest.request');
    res.status(refusal.status).json(errorEnvelope(refusal.code, refusal.message, { traceId: ctx.traceId }));
    return false;
  };

  const run = async (req: Request, res: Response, method: 'tools/list' | 'tools/call', params: Record<string, unknown>) => {
    const ctx = requestContext(res);
    const started = performance.now();
    const record: RequestRecord = { requestId: ctx.requestId, traceId: ctx.traceId || undefined, degraded: false };
    const cancellation = new Cancellation();
    res.once('close', () => {
      if (!res.writableFinished) cancellation.abort();
    });
    let status = 200;
    let decision: 'allow' | 'deny' | 'error' = 'allow';
    let reason: string | undefined;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const admission = await pipeline.admit({ headers: req.headers, url: req.originalUrl, socketAddress: req.socket.remoteAddress }, record);
      // The client's own maximum is known only now; the JSON parser applied the global one.
      if ((requestBodySize(req) ?? 0) > admission.maxBodyBytes) {
        throw new Denial(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${admission.maxBodyBytes} bytes`, 'body_too_large');
      }
      if (method === 'tools/call' && !isJsonObject(params['arguments'])) {
        // Refused after admission, as /mcp refuses a bad body: it spends a token (past the limit, the 429).
        await pipeline.charge(admission);
        throw new Denial(400, 'VALIDATION_FAILED', 'the body must be a JSON object of tool arguments', 'invalid_body');
      }
      const outcome = await pipeline.execute(admission, { method, params, era: 'legacy', cancellation }, record);
      headers = outcome.headers;
      if (method === 'tools/list') {
        const tools = outcome.result['tools'] as unknown[];
        body = { tools, count: tools.length, timestamp: new Date().toISOString() };
      } else if (outcome.result['isError'] === true) {
        [status, decision, reason] = [502, 'error', 'tool_error'];
        body = errorEnvelope('TOOL_FAILED', 'the tool reported an error', { traceId: ctx.traceId, details: outcome.result });
      } else {
        body = successEnvelope(outcome.result, { version, traceId: ctx.traceId });
      }
    } catch (err) {
      if (err instanceof Denial) {
        [status, decision, reason, headers] = [err.status, err.status >= 500 ? 'error' : 'deny', err.reason, err.headers];
        body = errorEnvelope(err.code, err.message, { traceId: ctx.traceId });
      } else if (err instanceof JsonRpcError) {
        const mapped = statusFor(err);
        [status, decision, reason] = [mapped.status, mapped.status >= 500 ? 'error' : 'deny', err.reason];
        body = errorEnvelope(mapped.code, pipeline.sanitizeError(err, record.tool).message, { traceId: ctx.traceId, details: err.options.data });
      } else {
        throw err;
      }
    }
    await pipeline.finish(record, { status, decision, reason, durationMs: performance.now() - started }, 'rest.request');
    res.status(status).set(headers).json(body);
  };

  app.get('/mcp/tools', async (req: Request, res: Response) => {
    if (await guarded(req, res)) await run(req, res, 'tools/list', {});
  });
  app.post('/mcp/call/:tool', async (req: Request, res: Response) => {
    if (await guarded(req, res)) await run(req, res, 'tools/call', { name: String(req.params['tool']), arguments: (req.body as unknown) ?? {} });
  });
}


