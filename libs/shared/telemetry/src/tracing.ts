import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Exception,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api';
import { maskSecrets } from './redact.js';

/** The tracer name used when a caller does not name its own. */
export const DEFAULT_TRACER_NAME = '@mcpgw/telemetry';

/** Returns a tracer from the global provider (a no-op one until the app starts the SDK). */
export function getTracer(name: string = DEFAULT_TRACER_NAME, version?: string): Tracer {
  return trace.getTracer(name, version);
}

export interface WithSpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Defaults to {@link getTracer}(). */
  tracer?: Tracer;
  /** Parent context (e.g. from {@link extractTraceContext}); defaults to the active one. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span. On a throw or rejection the span gets status ERROR and
 * the exception (message masked) and the error is rethrown; the span always ends.
 */
export function withSpan<T>(
  name: string,
  options: WithSpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = options.tracer ?? getTracer();
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { attributes: options.attributes, kind: options.kind },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        recordSpanError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks a span failed and records the exception, with secrets masked out of message and stack. */
export function recordSpanError(span: Span, error: unknown): void {
  const exception = toException(error);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

function toException(error: unknown): Exception & { message: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: maskSecrets(String(error)) };
  const exception: Exception & { message: string } = {
    name: error.name,
    message: maskSecrets(error.message),
  };
  if (typeof error.stack === 'string') exception.stack = maskSecrets(error.stack);
  const code: unknown = Reflect.get(error, 'code');
  if (typeof code === 'string' || typeof code === 'number') exception.code = code;
  return exception;
}

/** Trace and span id of the active span, as log fields; empty outside a valid span. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
