// Main entry: depends only on @opentelemetry/api, winston and prom-client (never the SDK), so
// every lib may import it. The SDK bootstrap lives in the `./node` entry, used by apps only.
export { createLogger, type CreateLoggerOptions, type Logger } from './logger.js';
export { logJson } from './json-line.js';
export { jsonLineFormat, type JsonLineFormatOptions } from './log-format.js';
export {
  createRedaction,
  maskSecrets,
  redact,
  type Redaction,
  type RedactionOptions,
} from './redact.js';
export {
  DEFAULT_REDACT_KEYS,
  DEFAULT_SECRET_PATTERNS,
  REDACTED,
  type SecretPattern,
} from './redact-patterns.js';
export {
  createMetricsRegistry,
  getOrCreateCounter,
  getOrCreateGauge,
  getOrCreateHistogram,
  type CreateMetricsRegistryOptions,
  type MetricConfig,
} from './metrics-registry.js';
export {
  CLIENT_CLOSED_STATUS,
  createHttpMetrics,
  createHttpMetricsMiddleware,
  HTTP_DURATION_BUCKETS,
  routeLabel,
  UNMATCHED_ROUTE,
  type HttpMetrics,
  type HttpMetricsMiddleware,
  type HttpMetricsMiddlewareOptions,
  type RoutedRequest,
} from './http-metrics.js';
export {
  currentTraceIds,
  DEFAULT_TRACER_NAME,
  getTracer,
  recordSpanError,
  withSpan,
  type WithSpanOptions,
} from './tracing.js';
export {
  extractTraceContext,
  injectTraceHeaders,
  type ExtractTraceContextOptions,
  type HeaderCarrier,
} from './propagation.js';
export {
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_SENTRAIP_RISK_SCORE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
} from './semantic-attributes.js';
export { TelemetryError, type TelemetryErrorCode } from './errors.js';
export { effectiveSpanBatch, SPAN_BATCH_DEFAULTS, type SpanBatchOptions } from './span-batch.js';
