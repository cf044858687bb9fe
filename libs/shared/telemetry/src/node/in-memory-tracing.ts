import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** An in-memory exporter and the processor that feeds it, for `startTelemetry` in tests. */
export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  processor: SimpleSpanProcessor;
}

/**
 * Test helper: pass `processor` in `startTelemetry({ spanProcessors: [processor] })`, then
 * `await processor.forceFlush()` and read `exporter.getFinishedSpans()`.
 */
export function createInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  return { exporter, processor: new SimpleSpanProcessor(exporter) };
}
