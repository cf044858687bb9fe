/**
 * The batch span processor's settings when spans are exported. The defaults are the OpenTelemetry
 * specification's. `startTelemetry` always passes all of them to the processor: given none, the
 * SDK's `BatchSpanProcessor` reads `OTEL_BSP_*` itself and takes any number, so a queue of 0 would
 * drop every span without a word. The apps' config validates those variables instead
 * (`readSpanBatchSettings` in the service kit).
 */
export interface SpanBatchOptions {
  /** Spans held for export; past it new spans are dropped (`OTEL_BSP_MAX_QUEUE_SIZE`). */
  maxQueueSize?: number;
  /** Spans per export (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  maxExportBatchSize?: number;
  /** Milliseconds a partial batch waits before it is exported (`OTEL_BSP_SCHEDULE_DELAY`). */
  scheduledDelayMillis?: number;
}

export const SPAN_BATCH_DEFAULTS: Readonly<Required<SpanBatchOptions>> = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
};

/** Every setting, given or default; a batch larger than the queue is cut to the queue, as the SDK would. */
export function effectiveSpanBatch(options: SpanBatchOptions = {}): Required<SpanBatchOptions> {
  const maxQueueSize = options.maxQueueSize ?? SPAN_BATCH_DEFAULTS.maxQueueSize;
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(
      options.maxExportBatchSize ?? SPAN_BATCH_DEFAULTS.maxExportBatchSize,
      maxQueueSize,
    ),
    scheduledDelayMillis: options.scheduledDelayMillis ?? SPAN_BATCH_DEFAULTS.scheduledDelayMillis,
  };
}
