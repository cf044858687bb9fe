import { describe, expect, it } from 'vitest';
import { effectiveSpanBatch, SPAN_BATCH_DEFAULTS } from './span-batch.js';

describe('effectiveSpanBatch', () => {
  it('fills every setting with the default when none is given', () => {
    expect(effectiveSpanBatch()).toEqual(SPAN_BATCH_DEFAULTS);
    expect(SPAN_BATCH_DEFAULTS).toEqual({
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 5000,
    });
  });

  it('keeps given settings and cuts a batch larger than the queue to the queue', () => {
    expect(effectiveSpanBatch({ maxQueueSize: 100, scheduledDelayMillis: 0 })).toEqual({
      maxQueueSize: 100,
      maxExportBatchSize: 100,
      scheduledDelayMillis: 0,
    });
    expect(effectiveSpanBatch({ maxExportBatchSize: 3 })).toMatchObject({
      maxQueueSize: 2048,
      maxExportBatchSize: 3,
    });
  });
});
