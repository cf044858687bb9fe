import { PassThrough } from 'node:stream';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mcpgw/telemetry';
import { createInMemoryTracing, startTelemetry } from '@mcpgw/telemetry/node';
import { createServiceApp } from './create-app.js';
import { httpErrors } from './errors.js';
import { listen, type RunningServer } from './http-server.js';

const logLines: string[] = [];
const stream = new PassThrough();
stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));

let server: RunningServer;
let dependencyUp = true;
let shuttingDown = false;
let telemetry: { shutdown(): Promise<void> };
const tracing = createInMemoryTracing();

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'kit-test', spanProcessors: [tracing.processor] });
  const app = createServiceApp({
    service: 'kit-test',
    version: '9.9.9',
    logger: createLogger({ service: 'kit-test', level: 'debug', stream }),
    registry: new Registry(),
    bodyLimit: 1024,
    readinessTimeoutMs: 300,
    isShuttingDown: () => shuttingDown,
    readiness: [
      {
        name: 'db',
        check: async () => {
          if (!dependencyUp) throw Object.assign(new Error('connect ECONNREFUSED /secret/path'), { code: 'ECONNREFUSED' });
        },
      },
      { name: 'optional-peer', optional: true, check: async () => { throw new Error('down at 10.1.2.3'); } },
      { name: 'hanging', optional: true, check: () => new Promise<void>(() => undefined) },
    ],
    routes: (app) => {
      app.post('/echo', (req, res) => { res.json({ got: req.body }); });
      app.get('/boom', () => { throw new Error('secret internal detail'); });
      app.get('/store-down', () => { throw Object.assign(new Error('redis gone'), { code: 'STORE_UNAVAILABLE' }); });
      app.get('/limited', () => { throw httpErrors.tooManyRequests(2.2); });
      app.use('/nested', express.Router().get('/:id', (req, res) => { res.json({ id: req.params.id }); }));
    },
  });
  server = await listen(app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.drain(1000);
  await telemetry.shutdown();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('createServiceApp', () => {
  it('parses JSON bodies and sets security headers', async () => {
    const res = await post('/echo', '{"a":1}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { a: 1 } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers invalid JSON with 400 INVALID_JSON in the envelope', async () => {
    const res = await post('/echo', '{"a":');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'INVALID_JSON', message: 'request body is not valid JSON' });
  });

  it('answers an oversized body with 413', async () => {
    const res = await post('/echo', JSON.stringify({ big: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
  });

  it('hides unknown errors behind a generic 500 and logs the detail', async () => {
    const res = await fetch(`${server.url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ error: 'INTERNAL', message: 'internal error' });
    expect(logLines.some((l) => l.includes('request failed') && l.includes('secret internal detail'))).toBe(true);
  });

  it('maps a store outage to 503 with Retry-After', async () => {
    const res = await fetch(`${server.url}/store-down`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ error: 'STORE_UNAVAILABLE' });
  });

  it('sends 429 with a whole-second Retry-After', async () => {
    const res = await fetch(`${server.url}/limited`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('keeps a valid caller request id and replaces an unsafe one', async () => {
    const kept = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the caller trace id into the error envelope and the access log', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await fetch(`${server.url}/missing`, {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-request-id': 'trace-test' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'NOT_FOUND', trace_id: traceId });
    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r['request_id'] === 'trace-test');
    expect(line).toMatchObject({ trace_id: traceId, status: 404, message: 'request completed' });
    const span = tracing.exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId);
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span?.attributes['http.response.status_code']).toBe(404);
  });

  it('reports readiness per check; optional checks do not gate', async () => {
    dependencyUp = true;
    const ok = await fetch(`${server.url}/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: 'ready',
      checks: { db: 'ok', 'optional-peer': 'failed', hanging: 'timeout' },
    });
    dependencyUp = false;
    const down = await fetch(`${server.url}/ready`);
    expect(down.status).toBe(503);
    const text = await down.text();
    expect(text).not.toContain('/secret/path');
    expect(JSON.parse(text)).toMatchObject({ status: 'not_ready', checks: { db: 'ECONNREFUSED' } });
    dependencyUp = true;
  });

  it('fails readiness as soon as shutdown begins', async () => {
    shuttingDown = true;
    const res = await fetch(`${server.url}/ready`);
    shuttingDown = false;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'shutting_down' });
  });

  it('exposes Prometheus metrics with bounded route labels', async () => {
    for (let i = 0; i < 5; i += 1) await fetch(`${server.url}/nested/${i}`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/nested\/:id"/);
    expect(text).not.toMatch(/route="\/nested\/3"/);
  });
});
