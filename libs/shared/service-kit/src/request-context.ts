import { randomUUID } from 'node:crypto';
import { context, INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { extractTraceContext, type Logger } from '@mcpgw/telemetry';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Per-request state every handler can rely on; kept on `res.locals.ctx`. */
export interface RequestContext {
  readonly requestId: string;
  readonly traceId: string;
  readonly logger: Logger;
  readonly startedAt: number;
}

/** Returns the request context set by the request-context middleware. */
export function requestContext(res: Response): RequestContext {
  return res.locals['ctx'] as RequestContext;
}

export interface RequestContextOptions {
  logger: Logger;
  /** Paths that get no span and no access log line (probes and scrapes). */
  quietPaths?: readonly string[];
}

/**
 * Creates the server span (continuing the caller's W3C trace), assigns a request id, hangs a
 * child logger on the request, and writes one access log line when the response is done.
 */
export function requestContextMiddleware(options: RequestContextOptions) {
  const tracer = trace.getTracer('@mcpgw/service-kit');
  const quiet = new Set(options.quietPaths ?? ['/health', '/ready', '/metrics']);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('x-request-id');
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const startedAt = performance.now();
    const isQuiet = quiet.has(req.path);
    const parent = extractTraceContext(req.headers);
    const span = isQuiet
      ? trace.wrapSpanContext(trace.getSpanContext(parent) ?? INVALID_SPAN_CONTEXT)
      : tracer.startSpan(
          // Named by method only until a route matches: raw paths would make span names unbounded.
          req.method,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
          parent,
        );
    const ids = span.spanContext();
    const traceId = trace.isSpanContextValid(ids) ? ids.traceId : '';
    const logger = options.logger.child(
      trace.isSpanContextValid(ids)
        ? { request_id: requestId, trace_id: ids.traceId, span_id: ids.spanId }
        : { request_id: requestId },
    );
    res.locals['ctx'] = { requestId, traceId, logger, startedAt } satisfies RequestContext;

    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = res.statusCode;
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') span.updateName(`${req.method} ${req.baseUrl}${route}`);
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!isQuiet) {
        span.end();
        const meta = {
          method: req.method,
          path: req.path,
          status,
          duration_ms: Math.round((performance.now() - startedAt) * 1000) / 1000,
          aborted: !res.writableFinished,
        };
        if (status >= 500) logger.error('request completed', meta);
        else logger.info('request completed', meta);
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    context.with(trace.setSpan(parent, span), next);
  };
}
