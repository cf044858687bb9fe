import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * The tracer of an app that exports no spans: every span is a non-recording span with real ids,
 * so logs still carry `trace_id`/`span_id` and `traceparent` still goes upstream, without the cost
 * of recording what nobody reads (attributes, events, timestamps, a processor call at the end).
 * Ids and flags are exactly what the SDK's tracer gives under its default sampler (parent-based,
 * always on): a root span is sampled, a child takes its parent's trace id, `sampled` flag and
 * `tracestate`, and suppressed tracing gets the invalid span context.
 */
export class IdsOnlyTracer implements Tracer {
  readonly #ids = new RandomIdGenerator();

  startSpan(_name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    const spanId = this.#ids.generateSpanId();
    const spanContext: SpanContext =
      parent && isSpanContextValid(parent)
        ? {
            traceId: parent.traceId,
            spanId,
            traceFlags: parent.traceFlags & TraceFlags.SAMPLED,
            ...(parent.traceState ? { traceState: parent.traceState } : {}),
          }
        : { traceId: this.#ids.generateTraceId(), spanId, traceFlags: TraceFlags.SAMPLED };
    return trace.wrapSpanContext(spanContext);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions | undefined) : undefined;
    // As the SDK's tracer: an undefined context argument means the active one.
    const parent =
      (rest.length > 2 ? (rest[1] as Context | undefined) : undefined) ?? context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(
      trace.setSpan(parent, span),
      fn as (span: Span) => ReturnType<F>,
      undefined,
      span,
    );
  }
}

/** One {@link IdsOnlyTracer} for every name and version. */
export class IdsOnlyTracerProvider implements TracerProvider {
  readonly #tracer = new IdsOnlyTracer();

  getTracer(): Tracer {
    return this.#tracer;
  }
}
