import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logger.js';
import { extractTraceContext, injectTraceHeaders } from '../propagation.js';
import { currentTraceIds, withSpan } from '../tracing.js';
import { captureLines } from '../../test/capture-lines.js';
import { createInMemoryTracing, startTelemetry, type TelemetryHandle } from './index.js';

const handles: TelemetryHandle[] = [];

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.shutdown()));
});

function warnings() {
  const messages: Array<{ message: string; meta?: Record<string, unknown> }> = [];
  return {
    messages,
    logger: {
      warn: (message: string, meta?: Record<string, unknown>) => messages.push({ message, meta }),
    },
  };
}

async function start(options: Parameters<typeof startTelemetry>[0]): Promise<TelemetryHandle> {
  const handle = await startTelemetry(options);
  handles.push(handle);
  return handle;
}

/** A loopback port nobody listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('startTelemetry', () => {
  it('records spans from withSpan through a given processor, with the service resource', async () => {
    const tracing = createInMemoryTracing();
    const { messages, logger } = warnings();
    await start({
      serviceName: 'gateway',
      serviceVersion: '1.2.3',
      spanProcessors: [tracing.processor],
      logger,
    });
    await withSpan('work', {}, async () => undefined);
    await tracing.processor.forceFlush();
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span?.name).toBe('work');
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'gateway',
      'service.version': '1.2.3',
    });
    expect(messages).toEqual([]);
  });

  it('registers W3C trace-context and baggage propagation', async () => {
    const { logger } = warnings();
    await start({ serviceName: 'gateway', logger });
    expect(propagation.fields()).toEqual(
      expect.arrayContaining(['traceparent', 'tracestate', 'baggage']),
    );
  });

  it('creates real trace ids for log correlation without any exporter, recording nothing', async () => {
    const { logger } = warnings();
    await start({ serviceName: 'gateway', logger });
    await withSpan('work', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(currentTraceIds().trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(currentTraceIds().span_id).toBe(span.spanContext().spanId);
      expect(injectTraceHeaders<Record<string, string>>({})['traceparent']).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      );
    });
  });

  it.each([
    ['sampled', '01'],
    ['not sampled', '00'],
  ])(
    'without an exporter a child of a %s caller keeps its trace, flag and tracestate',
    async (_name, flags) => {
      const { logger } = warnings();
      await start({ serviceName: 'gateway', logger });
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = extractTraceContext({
        traceparent: `00-${callerTrace}-00f067aa0ba902b7-${flags}`,
        tracestate: 'vendor=abc',
      });
      await withSpan('child', { parent }, async (span) => {
        expect(span.spanContext().traceId).toBe(callerTrace);
        expect(span.spanContext().spanId).not.toBe('00f067aa0ba902b7');
        const headers = injectTraceHeaders<Record<string, string>>({});
        expect(headers['traceparent']).toBe(
          `00-${callerTrace}-${span.spanContext().spanId}-${flags}`,
        );
        expect(headers['tracestate']).toBe('vendor=abc');
      });
    },
  );

  it('without an exporter honours suppressed tracing and root spans', async () => {
    const { logger } = warnings();
    await start({ serviceName: 'gateway', logger });
    const tracer = trace.getTracer('t');
    expect(
      isSpanContextValid(
        tracer.startSpan('s', {}, suppressTracing(context.active())).spanContext(),
      ),
    ).toBe(false);
    const parent = trace.setSpan(context.active(), tracer.startSpan('parent'));
    const root = tracer.startSpan('root', { root: true }, parent);
    expect(root.spanContext().traceId).not.toBe(trace.getSpan(parent)?.spanContext().traceId);
  });

  it('falls back to non-recording spans with real ids when NodeSDK fails to start', async () => {
    vi.doMock('./sdk-tracing.js', () => ({
      startSdkTracing: () => {
        throw new Error('boom');
      },
    }));
    try {
      const { messages, logger } = warnings();
      await start({
        serviceName: 'gateway',
        spanProcessors: [createInMemoryTracing().processor],
        logger,
      });
      expect(messages.map((m) => m.message)).toEqual([
        'telemetry SDK failed to start; spans are not recorded',
      ]);
      await withSpan('work', {}, async (span) => {
        expect(span.isRecording()).toBe(false);
        expect(currentTraceIds().span_id).toBe(span.spanContext().spanId);
        expect(injectTraceHeaders<Record<string, string>>({})['traceparent']).toMatch(/-01$/);
      });
    } finally {
      vi.doUnmock('./sdk-tracing.js');
    }
  });

  it('leaves the sampler to NodeSDK when OTEL_TRACES_SAMPLER is set, exporter or not', async () => {
    const { logger } = warnings();
    process.env['OTEL_TRACES_SAMPLER'] = 'always_off';
    try {
      await start({ serviceName: 'gateway', logger, sdkSettingsInEnv: true });
    } finally {
      delete process.env['OTEL_TRACES_SAMPLER'];
    }
    await withSpan('work', {}, async (span) => {
      expect(currentTraceIds().trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(injectTraceHeaders<Record<string, string>>({})['traceparent']).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-00`,
      );
    });
  });

  it('is idempotent: a second call warns and returns the running handle', async () => {
    const { messages, logger } = warnings();
    const first = await start({ serviceName: 'gateway', logger });
    const second = await startTelemetry({ serviceName: 'other', logger });
    expect(second).toBe(first);
    expect(messages.map((m) => m.message)).toEqual([
      'telemetry already started; reusing the running SDK',
    ]);
  });

  it('can start again after shutdown, and shutdown twice is harmless', async () => {
    const { logger } = warnings();
    const first = await startTelemetry({ serviceName: 'a', logger });
    await first.shutdown();
    await first.shutdown();
    expect(isSpanContextValid(trace.getTracer('x').startSpan('noop').spanContext())).toBe(false);
    const tracing = createInMemoryTracing();
    await start({ serviceName: 'b', spanProcessors: [tracing.processor], logger });
    await withSpan('again', {}, async () => undefined);
    await tracing.processor.forceFlush();
    expect(tracing.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['again']);
  });

  it('started while a shutdown runs, waits for it and starts anew instead of returning the stopping handle', async () => {
    const { messages, logger } = warnings();
    const tracing = createInMemoryTracing();
    const first = await startTelemetry({
      serviceName: 'a',
      spanProcessors: [tracing.processor],
      logger,
    });
    const stopping = first.shutdown();
    const second = await start({ serviceName: 'b', logger });
    await stopping;
    expect(second).not.toBe(first);
    expect(messages.map((m) => m.message)).toEqual([]);
    // The first handle's shutdown unregistered its globals before the second registered its own.
    expect(isSpanContextValid(trace.getTracer('x').startSpan('after').spanContext())).toBe(true);
  });

  it.each([
    ['not a URL', 'not a url'],
    ['a non-http scheme', 'ftp://collector:4318'],
  ])('warns and runs without export for %s', async (_name, otlpEndpoint) => {
    const { messages, logger } = warnings();
    const tracing = createInMemoryTracing();
    await start({
      serviceName: 'gateway',
      otlpEndpoint,
      spanProcessors: [tracing.processor],
      logger,
    });
    expect(messages[0]?.message).toMatch(/trace export disabled/);
    await withSpan('still-traced', {}, async () => undefined);
    await tracing.processor.forceFlush();
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('falls back to unknown_service for a blank service name', async () => {
    const tracing = createInMemoryTracing();
    const { logger } = warnings();
    await start({ serviceName: '  ', spanProcessors: [tracing.processor], logger });
    await withSpan('s', {}, async () => undefined);
    await tracing.processor.forceFlush();
    expect(tracing.exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe(
      'unknown_service',
    );
  });

  it('accepts a winston logger for its warnings', async () => {
    const out = captureLines();
    const logger = createLogger({ service: 'gateway', stream: out.stream });
    await start({ serviceName: 'gateway', otlpEndpoint: 'bogus', logger });
    const [line] = await out.records();
    expect(line).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(/trace export disabled/),
    });
  });
});

describe('startTelemetry with an unreachable collector', () => {
  it('keeps serving requests and shuts down within its bound, without throwing or unhandled rejections', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const server: Server = createServer((req, res) => {
      res.end(JSON.stringify({ traceparent: req.headers['traceparent'] ?? null }));
    });
    try {
      const port = await closedPort();
      const { messages, logger } = warnings();
      const handle = await startTelemetry({
        serviceName: 'gateway',
        otlpEndpoint: `http://127.0.0.1:${port}`,
        exportTimeoutMs: 500,
        shutdownTimeoutMs: 2_000,
        logger,
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

      for (let i = 0; i < 20; i += 1) {
        const body = await withSpan(`call ${i}`, {}, () => get(url, injectTraceHeaders({})));
        expect(JSON.parse(body).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      }

      const started = performance.now();
      await expect(handle.shutdown()).resolves.toBeUndefined();
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(messages.length).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('bounds shutdown by shutdownTimeoutMs when the export outlasts it', async () => {
    const port = await closedPort();
    const { messages, logger } = warnings();
    const handle = await startTelemetry({
      serviceName: 'gateway',
      otlpEndpoint: `http://127.0.0.1:${port}/v1/traces`,
      exportTimeoutMs: 10_000,
      shutdownTimeoutMs: 300,
      logger,
    });
    await withSpan('pending', {}, async () => undefined);
    const started = performance.now();
    await handle.shutdown();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(messages.map((m) => m.message)).toContain(
      'telemetry shutdown timed out; unexported spans dropped',
    );
  });
});

describe('startTelemetry exporting to a collector', () => {
  /** An OTLP/HTTP collector on loopback: the number of spans in each export request. */
  async function collector(): Promise<{ url: string; batches: number[]; close(): Promise<void> }> {
    const batches: number[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        batches.push(body.split('"spanId"').length - 1);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      batches,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  async function exportTenSpans(
    spanBatch?: Parameters<typeof startTelemetry>[0]['spanBatch'],
  ): Promise<number[]> {
    const sink = await collector();
    try {
      const { messages, logger } = warnings();
      const handle = await startTelemetry({
        serviceName: 'gateway',
        otlpEndpoint: sink.url,
        ...(spanBatch ? { spanBatch } : {}),
        logger,
      });
      for (let i = 0; i < 10; i += 1) await withSpan(`call ${i}`, {}, async () => undefined);
      await handle.shutdown();
      expect(messages).toEqual([]);
      return sink.batches;
    } finally {
      await sink.close();
    }
  }

  it('exports with the default settings, not the SDK reading OTEL_BSP_* itself, when none are given', async () => {
    // Given no settings, the SDK's processor would take this queue of 0 and drop every span.
    vi.stubEnv('OTEL_BSP_MAX_QUEUE_SIZE', '0');
    vi.stubEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '2');
    try {
      expect(await exportTenSpans()).toEqual([10]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('applies the batch settings (OTEL_BSP_*) to the exporting processor', async () => {
    const batches = await exportTenSpans({ maxExportBatchSize: 3, maxQueueSize: 100 });
    expect(batches.reduce((sum, n) => sum + n, 0)).toBe(10);
    expect(Math.max(...batches)).toBe(3);
  });
});

function get(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}
