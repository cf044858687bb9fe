import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  envDetector,
  hostDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { createLogger } from '../logger.js';
import { createThrottledDiagLogger, type TelemetryWarnLogger } from './diag-logger.js';
import { resolveOtlpTracesUrl } from './otlp-endpoint.js';

export interface StartTelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); unset: spans are not exported. */
  otlpEndpoint?: string;
  /** Extra processors, e.g. `createInMemoryTracing().processor` in tests. */
  spanProcessors?: SpanProcessor[];
  /** Receives telemetry warnings; default: a JSON logger on stdout for `serviceName`. */
  logger?: TelemetryWarnLogger;
  /** Upper bound of `shutdown()` (default 2500 ms); unexported spans are dropped after it. */
  shutdownTimeoutMs?: number;
  /** Upper bound of one OTLP export, retries included (default 5000 ms). */
  exportTimeoutMs?: number;
}

/** Handle of the running SDK. */
export interface TelemetryHandle {
  /** Flushes and stops the SDK; never rejects and resolves within `shutdownTimeoutMs`. */
  shutdown(): Promise<void>;
}

const NOOP_HANDLE: TelemetryHandle = { shutdown: () => Promise.resolve() };

let running: TelemetryHandle | undefined;

/**
 * Starts the OpenTelemetry NodeSDK for an app (apps pass it to `runService`, which calls it before
 * building anything else): W3C trace-context + baggage propagation, AsyncLocalStorage context, resource
 * `service.name`/`service.version`, no auto-instrumentation, and an OTLP/HTTP exporter behind a
 * batch processor only when `otlpEndpoint` is set. Telemetry never takes the app down: a bad
 * setting or a failing collector is a warning, and a second call returns the running handle.
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  const serviceName = options.serviceName.trim() === '' ? 'unknown_service' : options.serviceName;
  const logger = options.logger ?? createLogger({ service: serviceName });
  if (running) {
    logger.warn('telemetry already started; reusing the running SDK');
    return running;
  }
  try {
    running = start(serviceName, options, logger);
    return running;
  } catch (err) {
    logger.warn('telemetry failed to start; continuing without tracing', { err });
    return NOOP_HANDLE;
  }
}

function start(
  serviceName: string,
  options: StartTelemetryOptions,
  logger: TelemetryWarnLogger,
): TelemetryHandle {
  const exportTimeoutMs = options.exportTimeoutMs ?? 5_000;
  const processors = [...(options.spanProcessors ?? [])];
  const otlp = resolveOtlpTracesUrl(options.otlpEndpoint);
  if (otlp.url !== undefined) {
    const exporter = new OTLPTraceExporter({ url: otlp.url, timeoutMillis: exportTimeoutMs });
    processors.push(new BatchSpanProcessor(exporter, { exportTimeoutMillis: exportTimeoutMs }));
  } else if (otlp.warning !== undefined) {
    logger.warn(otlp.warning, { otlp_endpoint: options.otlpEndpoint });
  }
  // Without any processor NodeSDK registers no tracer provider; we still want real trace and
  // span ids for log correlation and `traceparent` propagation, so register a no-op sink.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());

  const serviceAttributes: Record<string, string> = { [ATTR_SERVICE_NAME]: serviceName };
  if (options.serviceVersion) serviceAttributes[ATTR_SERVICE_VERSION] = options.serviceVersion;
  const sdk = new NodeSDK({
    serviceName,
    resource: defaultResource().merge(resourceFromAttributes(serviceAttributes)),
    // Not the process detector: its command line may carry secrets.
    resourceDetectors: [envDetector, hostDetector, serviceInstanceIdDetector],
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [],
    spanProcessors: processors,
    // Empty lists stop NodeSDK from building OTLP metric/log exporters from OTEL_* defaults.
    metricReaders: [],
    logRecordProcessors: [],
  });
  // After the constructor: NodeSDK installs a console diag logger when OTEL_LOG_LEVEL is set.
  const diagLogger = createThrottledDiagLogger(logger);
  diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler((error) => diagLogger.warn('export error', error));
  sdk.start();
  return { shutdown: once(() => stop(sdk, logger, options.shutdownTimeoutMs ?? 2_500)) };
}

async function stop(sdk: NodeSDK, logger: TelemetryWarnLogger, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  const flushed = sdk.shutdown().then(
    () => 'done' as const,
    (err: unknown) => ({ err }),
  );
  const outcome = await Promise.race([flushed, deadline]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn('telemetry shutdown timed out; unexported spans dropped', {
      timeout_ms: timeoutMs,
    });
  } else if (outcome !== 'done') {
    logger.warn('telemetry shutdown failed', { err: outcome.err });
  }
  // Unregister the globals so a later startTelemetry (tests, restarts in-process) can register.
  trace.disable();
  context.disable();
  propagation.disable();
  running = undefined;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
