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
import { W3C_PROPAGATOR, newContextManager } from './context-and-propagation.js';
import { effectiveSpanBatch, type SpanBatchOptions } from '../span-batch.js';

export interface SdkTracingOptions {
  serviceName: string;
  serviceVersion?: string;
  /** The OTLP/HTTP traces URL (already resolved), when spans are exported. */
  otlpTracesUrl?: string;
  spanProcessors: readonly SpanProcessor[];
  exportTimeoutMs: number;
  /** The batch processor's queue, batch size and delay (`OTEL_BSP_*`); the defaults when absent. */
  spanBatch?: SpanBatchOptions;
}

/**
 * The recording path (imported only when spans go somewhere: an OTLP endpoint or a given
 * processor): NodeSDK with the service resource, the OTLP/HTTP exporter behind a batch processor
 * when `otlpTracesUrl` is set, and no instrumentations. Returns a function that flushes and stops it.
 */
export function startSdkTracing(options: SdkTracingOptions): () => Promise<void> {
  const processors = [...options.spanProcessors];
  if (options.otlpTracesUrl !== undefined) {
    const exporter = new OTLPTraceExporter({
      url: options.otlpTracesUrl,
      timeoutMillis: options.exportTimeoutMs,
    });
    processors.push(
      // Every setting explicit: the SDK would otherwise read OTEL_BSP_* itself, unvalidated.
      new BatchSpanProcessor(exporter, {
        ...effectiveSpanBatch(options.spanBatch),
        exportTimeoutMillis: options.exportTimeoutMs,
      }),
    );
  }
  // Without any processor NodeSDK registers no tracer provider (it starts without one only for
  // `OTEL_*` settings): register a no-op sink so spans keep real ids.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  const serviceAttributes: Record<string, string> = { [ATTR_SERVICE_NAME]: options.serviceName };
  if (options.serviceVersion) serviceAttributes[ATTR_SERVICE_VERSION] = options.serviceVersion;
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: defaultResource().merge(resourceFromAttributes(serviceAttributes)),
    // Not the process detector: its command line may carry secrets.
    resourceDetectors: [envDetector, hostDetector, serviceInstanceIdDetector],
    contextManager: newContextManager(),
    textMapPropagator: W3C_PROPAGATOR,
    instrumentations: [],
    spanProcessors: processors,
    // Empty lists stop NodeSDK from building OTLP metric/log exporters from OTEL_* defaults.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return () => sdk.shutdown();
}
