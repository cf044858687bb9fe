import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { getOrCreateCounter, getOrCreateGauge, getOrCreateHistogram } from './metrics-registry.js';

/** Route label of requests no route matched (404s, probes of random paths, scanners). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Status label of requests whose client went away before the response finished (nginx's 499). */
export const CLIENT_CLOSED_STATUS = '499';
/** Request duration buckets in seconds, 1 ms to 10 s. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

type HttpLabel = 'method' | 'route' | 'status_code';

export interface HttpMetrics {
  requests: Counter<HttpLabel>;
  duration: Histogram<HttpLabel>;
  inFlight: Gauge;
}

/** The HTTP server metrics on `registry` (created once per registry, then reused). */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames: HttpLabel[] = ['method', 'route', 'status_code'];
  return {
    requests: getOrCreateCounter(registry, {
      name: 'http_requests_total',
      help: 'HTTP requests handled, by method, matched route and status code',
      labelNames,
    }),
    duration: getOrCreateHistogram(registry, {
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration from arrival to response end, in seconds',
      labelNames,
      buckets: [...HTTP_DURATION_BUCKETS],
    }),
    inFlight: getOrCreateGauge(registry, {
      name: 'http_requests_in_flight',
      help: 'HTTP requests currently being handled',
    }),
  };
}

/** A node:http request, optionally enriched by Express (`route`, `baseUrl`) — no Express import. */
export type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

export type HttpMetricsMiddleware = (
  req: RoutedRequest,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

export interface HttpMetricsMiddlewareOptions {
  /** Exact paths (query ignored) not measured, e.g. `/metrics`. */
  ignorePaths?: readonly string[];
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/**
 * Connect/Express-style middleware recording `http_requests_total`,
 * `http_request_duration_seconds` and `http_requests_in_flight`. The route label is the
 * matched route pattern (`baseUrl + route.path`) or `"unmatched"`, never the raw URL, and
 * unknown methods are `_OTHER`, so label cardinality stays bounded whatever clients send.
 */
export function createHttpMetricsMiddleware(
  registry: Registry,
  options: HttpMetricsMiddlewareOptions = {},
): HttpMetricsMiddleware {
  const metrics = createHttpMetrics(registry);
  const ignored = new Set(options.ignorePaths ?? []);
  return (req, res, next) => {
    if (ignored.has(pathOf(req.url))) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      metrics.inFlight.dec();
      const labels = {
        method: methodLabel(req.method),
        route: routeLabel(req),
        status_code: res.writableFinished ? String(res.statusCode) : CLIENT_CLOSED_STATUS,
      };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function methodLabel(method: string | undefined): string {
  const upper = (method ?? '').toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** The matched route pattern, or {@link UNMATCHED_ROUTE}. Exported for access logs and spans. */
export function routeLabel(req: RoutedRequest): string {
  const pattern: unknown = req.route?.path;
  const base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  if (typeof pattern === 'string') return pattern === '/' && base !== '' ? base : base + pattern;
  if (pattern instanceof RegExp) return base + String(pattern);
  return UNMATCHED_ROUTE;
}
