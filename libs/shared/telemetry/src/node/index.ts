// Node entry, for apps only (their `main.ts`, through `runService`) and their tests: the OpenTelemetry SDK
// bootstrap. Libraries import the main entry, which depends on the API alone.
export {
  startTelemetry,
  type StartTelemetryOptions,
  type TelemetryHandle,
} from './start-telemetry.js';
export { createInMemoryTracing, type InMemoryTracing } from './in-memory-tracing.js';
export {
  createThrottledDiagLogger,
  type TelemetryWarnLogger,
  type ThrottledDiagLoggerOptions,
} from './diag-logger.js';
export { resolveOtlpTracesUrl, type OtlpTracesUrl } from './otlp-endpoint.js';
export type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
