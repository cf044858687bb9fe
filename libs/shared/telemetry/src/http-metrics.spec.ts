import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpMetrics,
  createHttpMetricsMiddleware,
  routeLabel,
  type RoutedRequest,
} from './http-metrics.js';
import { createMetricsRegistry } from './metrics-registry.js';

type Handler = (req: RoutedRequest, res: ServerResponse) => void;

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    }),
  );
});

/** A real server: the middleware, then `handler` as the "router". */
async function serve(
  registry: Registry,
  handler: Handler,
  ignorePaths?: string[],
): Promise<string> {
  const middleware = createHttpMetricsMiddleware(registry, { ignorePaths });
  const server = createServer((req: IncomingMessage, res) => {
    middleware(req, res, () => handler(req, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function send(url: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function values(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values ?? [];
}

const registry = () => createMetricsRegistry({ service: 'test', collectDefaultMetrics: false });

describe('createHttpMetricsMiddleware', () => {
  it('keeps the route label bounded: 100 distinct unmatched URLs give one label value', async () => {
    const r = registry();
    const base = await serve(r, (_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    for (let i = 0; i < 100; i += 1) await send(`${base}/random/${i}/${'x'.repeat(i)}?q=${i}`);
    const counts = await values(r, 'http_requests_total');
    expect(new Set(counts.map((v) => v.labels['route']))).toEqual(new Set(['unmatched']));
    expect(counts).toEqual([
      expect.objectContaining({
        value: 100,
        labels: { method: 'GET', route: 'unmatched', status_code: '404' },
      }),
    ]);
  });

  it('uses the matched route pattern (baseUrl + route.path) and records durations', async () => {
    const r = registry();
    const base = await serve(r, (req, res) => {
      req.baseUrl = '/v1';
      req.route = { path: '/threat/:type/:target' };
      res.statusCode = 200;
      res.end('ok');
    });
    await send(`${base}/v1/threat/ip/1.2.3.4`);
    await send(`${base}/v1/threat/domain/example.com`, 'POST');
    const counts = await values(r, 'http_requests_total');
    expect(counts.map((v) => [v.labels['method'], v.labels['route'], v.value])).toEqual([
      ['GET', '/v1/threat/:type/:target', 1],
      ['POST', '/v1/threat/:type/:target', 1],
    ]);
    const histogram = await values(r, 'http_request_duration_seconds');
    const count = histogram.filter(
      (v) => Reflect.get(v, 'metricName') === 'http_request_duration_seconds_count',
    );
    expect(count.map((v) => v.value)).toEqual([1, 1]);
    const buckets = histogram.filter(
      (v) => Reflect.get(v, 'metricName') === 'http_request_duration_seconds_bucket',
    );
    expect(new Set(buckets.map((v) => v.labels['le']))).toEqual(
      new Set([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, '+Inf']),
    );
  });

  it('counts in-flight requests while they run', async () => {
    const r = registry();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (arrived = resolve));
    const base = await serve(r, (_req, res) => {
      arrived();
      void held.then(() => res.end());
    });
    const pending = send(base);
    await started;
    expect((await values(r, 'http_requests_in_flight'))[0]?.value).toBe(1);
    release();
    await pending;
    expect((await values(r, 'http_requests_in_flight'))[0]?.value).toBe(0);
  });

  it('skips ignored paths, query string included', async () => {
    const r = registry();
    const base = await serve(r, (_req, res) => res.end(), ['/metrics']);
    await send(`${base}/metrics?x=1`);
    await send(`${base}/other`);
    const counts = await values(r, 'http_requests_total');
    expect(counts.map((v) => v.value)).toEqual([1]);
  });

  it('maps unknown methods to _OTHER', async () => {
    const r = registry();
    const base = await serve(r, (_req, res) => res.end());
    await send(base, 'PROPFIND');
    expect((await values(r, 'http_requests_total'))[0]?.labels['method']).toBe('_OTHER');
  });

  it('records a request whose client went away as 499, once', async () => {
    const r = registry();
    let closed: () => void = () => undefined;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    let arrived: () => void = () => undefined;
    const handlerStarted = new Promise<void>((resolve) => (arrived = resolve));
    const base = await serve(r, (_req, res) => {
      arrived();
      res.on('close', () => {
        // After the close the handler still tries to answer; it must not be counted twice.
        res.end();
        setImmediate(closed);
      });
    });
    const req = request(base, { agent: false });
    req.on('error', () => undefined);
    req.end();
    await handlerStarted;
    req.destroy();
    await serverSawClose;
    const counts = await values(r, 'http_requests_total');
    expect(counts).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({ status_code: '499' }),
      }),
    ]);
    expect((await values(r, 'http_requests_in_flight'))[0]?.value).toBe(0);
  });

  it('shares its metrics when created twice on one registry', () => {
    const r = registry();
    createHttpMetricsMiddleware(r);
    createHttpMetricsMiddleware(r);
    expect(createHttpMetrics(r).requests).toBe(createHttpMetrics(r).requests);
  });
});

describe('routeLabel', () => {
  const req = (extra: Partial<RoutedRequest>) => ({ ...extra }) as RoutedRequest;
  it.each([
    [{}, 'unmatched'],
    [{ route: {} }, 'unmatched'],
    [{ route: { path: 42 } }, 'unmatched'],
    [{ route: { path: '/items/:id' } }, '/items/:id'],
    [{ baseUrl: '/admin', route: { path: '/' } }, '/admin'],
    [{ baseUrl: '/admin', route: { path: '/keys' } }, '/admin/keys'],
    [{ route: { path: /^\/x$/ } }, '/^\\/x$/'],
  ])('labels %o as %s', (extra, expected) => {
    expect(routeLabel(req(extra as Partial<RoutedRequest>))).toBe(expected);
  });
});
