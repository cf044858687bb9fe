import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInMemoryTracing, startTelemetry, type TelemetryHandle } from './node/index.js';
import { extractTraceContext, injectTraceHeaders } from './propagation.js';
import { REDACTED } from './redact-patterns.js';
import { ATTR_GEN_AI_TOOL_NAME, ATTR_MCP_METHOD_NAME } from './semantic-attributes.js';
import { currentTraceIds, getTracer, withSpan } from './tracing.js';

const tracing = createInMemoryTracing();
let telemetry: TelemetryHandle;

beforeAll(async () => {
  telemetry = await startTelemetry({
    serviceName: 'tracing-spec',
    spanProcessors: [tracing.processor],
    logger: { warn: () => undefined },
  });
});

afterAll(async () => {
  await telemetry.shutdown();
});

beforeEach(() => tracing.exporter.reset());

async function finishedSpans() {
  await tracing.processor.forceFlush();
  return tracing.exporter.getFinishedSpans();
}

describe('withSpan', () => {
  it('runs fn in an active span with the given kind and attributes, and ends it', async () => {
    const result = await withSpan(
      'tools/call log_store',
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR_MCP_METHOD_NAME]: 'tools/call', [ATTR_GEN_AI_TOOL_NAME]: 'log_store' },
      },
      async (span) => {
        expect(trace.getActiveSpan()).toBe(span);
        return 42;
      },
    );
    expect(result).toBe(42);
    const [span] = await finishedSpans();
    expect(span).toMatchObject({
      name: 'tools/call log_store',
      kind: SpanKind.CLIENT,
      attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'log_store' },
      status: { code: SpanStatusCode.UNSET },
    });
  });

  it('records the error, sets status ERROR, ends the span and rethrows', async () => {
    const failure = Object.assign(new Error('upstream said Bearer abcdefghijklmnop'), {
      code: 'GW_ERR_UPSTREAM',
    });
    await expect(
      withSpan('call', {}, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const [span] = await finishedSpans();
    expect(span?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: `upstream said Bearer ${REDACTED}`,
    });
    expect(span?.events[0]).toMatchObject({
      name: 'exception',
      attributes: {
        'exception.type': 'GW_ERR_UPSTREAM',
        'exception.message': `upstream said Bearer ${REDACTED}`,
      },
    });
    expect(span?.ended).toBe(true);
  });

  it('handles non-Error throws', async () => {
    await expect(withSpan('call', {}, () => Promise.reject('plain'))).rejects.toBe('plain');
    const [span] = await finishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('plain');
  });

  it('nests spans and honours an explicit parent context', async () => {
    await withSpan('outer', {}, () =>
      withSpan('inner', { tracer: getTracer('custom') }, async () => undefined),
    );
    const parent = extractTraceContext({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await withSpan('remote-child', { parent }, async () => undefined);
    const spans = await finishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect(byName.get('inner')?.parentSpanContext?.spanId).toBe(
      byName.get('outer')?.spanContext().spanId,
    );
    expect(byName.get('inner')?.instrumentationScope.name).toBe('custom');
    expect(byName.get('remote-child')?.spanContext().traceId).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(byName.get('remote-child')?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });
});

describe('currentTraceIds', () => {
  it('is empty outside a span and the active ids inside', async () => {
    expect(currentTraceIds()).toEqual({});
    await withSpan('s', {}, async (span) => {
      expect(currentTraceIds()).toEqual({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
    });
  });
});

describe('injectTraceHeaders / extractTraceContext', () => {
  it('round-trips a traceparent through headers', async () => {
    let sent: Record<string, string> = {};
    let ids = { traceId: '', spanId: '' };
    await withSpan('client', {}, async (span) => {
      ids = span.spanContext();
      sent = injectTraceHeaders({ 'content-type': 'application/json' });
    });
    expect(sent['traceparent']).toBe(`00-${ids.traceId}-${ids.spanId}-01`);
    expect(sent['content-type']).toBe('application/json');
    const received = trace.getSpanContext(extractTraceContext(sent));
    expect(received).toMatchObject({ traceId: ids.traceId, spanId: ids.spanId, isRemote: true });
  });

  it('reads headers case-insensitively and from arrays', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(trace.getSpanContext(extractTraceContext({ Traceparent: traceparent }))?.spanId).toBe(
      'b7ad6b7169203331',
    );
    expect(trace.getSpanContext(extractTraceContext({ traceparent: [traceparent] }))?.spanId).toBe(
      'b7ad6b7169203331',
    );
  });

  it('with lowerCaseNames, reads only the exact lower-case names (Node request headers)', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const read = (headers: Record<string, string>) =>
      trace.getSpanContext(extractTraceContext(headers, undefined, { lowerCaseNames: true }));
    expect(read({ traceparent })?.spanId).toBe('b7ad6b7169203331');
    expect(read({ Traceparent: traceparent })).toBeUndefined();
  });

  it('yields no span context for missing or malformed headers', () => {
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
    expect(
      trace.getSpanContext(extractTraceContext({ traceparent: '00-zz-yy-01' })),
    ).toBeUndefined();
  });

  it('injects nothing outside a span', () => {
    expect(injectTraceHeaders({})).toEqual({});
  });
});
