import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../logger.js';
import type { SpanBatchOptions } from '../span-batch.js';
import { newContextManager, W3C_PROPAGATOR } from './context-and-propagation.js';
import { createThrottledDiagLogger, type TelemetryWarnLogger } from './diag-logger.js';
import { IdsOnlyTracerProvider } from './ids-only-tracing.js';
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
  /**
   * The environment sets `OTEL_*` variables only NodeSDK applies (`OTEL_TRACES_SAMPLER` changes
   * the `sampled` flag sent upstream, `OTEL_SDK_DISABLED` turns tracing off): start NodeSDK even
   * without an exporter, so they take effect. The app's config reads them.
   */
  sdkSettingsInEnv?: boolean;
  /**
   * The batch span processor's settings when exporting (`OTEL_BSP_*`, validated by the app's
   * config): how many spans wait for export before new ones are dropped, how many go per export,
   * and how long a partial batch waits. Absent keys take `SPAN_BATCH_DEFAULTS`, never the
   * environment (see `span-batch.ts`).
   */
  spanBatch?: SpanBatchOptions;
}

/** Handle of the running tracing. */
export interface TelemetryHandle {
  /** Flushes and stops tracing; never rejects and resolves within `shutdownTimeoutMs`. */
  shutdown(): Promise<void>;
}

const NOOP_HANDLE: TelemetryHandle = { shutdown: () => Promise.resolve() };

let running: Promise<TelemetryHandle> | undefined;
/** The shutdown in progress, if any: it ends by unregistering the globals a new start would register. */
let stopping: Promise<void> | undefined;

/**
 * Starts tracing for an app (apps pass it to `runService`, which calls it before building anything
 * else): W3C trace-context + baggage propagation and AsyncLocalStorage context, always. When spans
 * go somewhere (an OTLP endpoint, or processors a test gives), the OpenTelemetry NodeSDK records
 * them: resource `service.name`/`service.version`, no auto-instrumentation, and an OTLP/HTTP
 * exporter behind a batch processor when `otlpEndpoint` is set. Otherwise spans are non-recording
 * spans with real ids (`IdsOnlyTracer`) and NodeSDK is not even loaded. Telemetry never takes the
 * app down: a bad setting or a failing collector is a warning, and a second call returns the
 * running handle. A call during a shutdown waits for it to finish, then starts anew.
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  const serviceName = options.serviceName.trim() === '' ? 'unknown_service' : options.serviceName;
  const logger = options.logger ?? createLogger({ service: serviceName });
  // Nothing may await between this wait and `running = started`: concurrent callers share one start.
  if (stopping) await stopping;
  if (running) {
    logger.warn('telemetry already started; reusing the running SDK');
    return running;
  }
  const started = start(serviceName, options, logger).catch((err: unknown) => {
    logger.warn('telemetry failed to start; continuing without tracing', { err });
    running = undefined;
    return NOOP_HANDLE;
  });
  running = started;
  return started;
}

/** The globals of an app whose spans go nowhere: context, propagation, non-recording spans. */
function registerIdsOnlyTracing(): void {
  context.setGlobalContextManager(newContextManager().enable());
  propagation.setGlobalPropagator(W3C_PROPAGATOR);
  trace.setGlobalTracerProvider(new IdsOnlyTracerProvider());
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

async function start(
  serviceName: string,
  options: StartTelemetryOptions,
  logger: TelemetryWarnLogger,
): Promise<TelemetryHandle> {
  const exportTimeoutMs = options.exportTimeoutMs ?? 5_000;
  const processors = options.spanProcessors ?? [];
  const otlp = resolveOtlpTracesUrl(options.otlpEndpoint);
  if (otlp.url === undefined && otlp.warning !== undefined) {
    logger.warn(otlp.warning, { otlp_endpoint: options.otlpEndpoint });
  }
  let shutdownTracing: () => Promise<void>;
  const noShutdown = () => Promise.resolve();
  if (otlp.url === undefined && processors.length === 0 && !options.sdkSettingsInEnv) {
    registerIdsOnlyTracing();
    shutdownTracing = noShutdown;
  } else {
    try {
      const { startSdkTracing } = await import('./sdk-tracing.js');
      shutdownTracing = startSdkTracing({
        serviceName,
        ...(options.serviceVersion ? { serviceVersion: options.serviceVersion } : {}),
        ...(otlp.url !== undefined ? { otlpTracesUrl: otlp.url } : {}),
        spanProcessors: processors,
        exportTimeoutMs,
        ...(options.spanBatch ? { spanBatch: options.spanBatch } : {}),
      });
    } catch (err) {
      // Whatever NodeSDK registered before it failed goes; logs keep their ids, upstreams their traceparent.
      logger.warn('telemetry SDK failed to start; spans are not recorded', { err });
      unregisterGlobals();
      registerIdsOnlyTracing();
      shutdownTracing = noShutdown;
    }
  }
  // After NodeSDK's constructor: it installs a console diag logger when OTEL_LOG_LEVEL is set.
  const diagLogger = createThrottledDiagLogger(logger);
  diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler((error) => diagLogger.warn('export error', error));
  return {
    shutdown: once(() => {
      const stopped = stop(shutdownTracing, logger, options.shutdownTimeoutMs ?? 2_500);
      const pending: Promise<void> = stopped.finally(() => {
        if (stopping === pending) stopping = undefined;
      });
      stopping = pending;
      return stopped;
    }),
  };
}

async function stop(
  shutdownTracing: () => Promise<void>,
  logger: TelemetryWarnLogger,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  const flushed = shutdownTracing().then(
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
  unregisterGlobals();
  running = undefined;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
