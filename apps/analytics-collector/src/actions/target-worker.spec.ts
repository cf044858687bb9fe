import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry } from '@mcpgw/telemetry';
import { createCollectorMetrics } from '../collector-metrics.js';
import { ActionFailedError } from '../errors.js';
import type { DeliverySpec } from '../rules/rule-types.js';
import type { ActionJob } from './action-job.js';
import { TargetWorker, type Sender } from './target-worker.js';

const spec = (over: Partial<DeliverySpec> = {}): DeliverySpec => ({
  timeout_ms: 500,
  concurrency: 2,
  queue: 10,
  retries: 3,
  backoff: { base_ms: 1, max_ms: 5 },
  deadline_ms: 10_000,
  breaker: { error_threshold_percentage: 50, volume_threshold: 100, reset_ms: 10_000 },
  ...over,
});
const job: ActionJob = {
  key: 'i:webhook:t',
  incident_id: 'i',
  action: 'webhook',
  target: 't',
  created_at: '',
  payload: {},
};

const worker = (send: Sender, s = spec()) => {
  const registry = createMetricsRegistry({ service: 't', collectDefaultMetrics: false });
  return new TargetWorker('t', 'webhook:t', s, send, {
    registry,
    logger: createLogger({ service: 't', level: 'error' }),
    metrics: createCollectorMetrics(registry),
  });
};

describe('target worker', () => {
  it('retries retryable failures and succeeds', async () => {
    let calls = 0;
    const w = worker(async () => {
      calls++;
      if (calls < 3) throw new ActionFailedError('t answered 503', 'http_503', true, 503);
    });
    expect(await w.run(job)).toEqual({ outcome: 'success', attempts: 3 });
    w.retire();
  });

  it('dead-letters a 4xx at once, without retries', async () => {
    let calls = 0;
    const w = worker(async () => {
      calls++;
      throw new ActionFailedError('t answered 400', 'http_400', false, 400);
    });
    expect(await w.run(job)).toMatchObject({
      outcome: 'dead_letter',
      attempts: 1,
      reason: 'http_400',
    });
    expect(calls).toBe(1);
    w.retire();
  });

  it('dead-letters after the last retry with the last reason', async () => {
    const w = worker(async () => {
      throw new ActionFailedError('t unreachable', 'network', true);
    });
    expect(await w.run(job)).toMatchObject({
      outcome: 'dead_letter',
      attempts: 4,
      reason: 'network',
    });
    w.retire();
  });

  it('opens the breaker after repeated failures and stops calling the target', async () => {
    let calls = 0;
    const w = worker(
      async () => {
        calls++;
        throw new ActionFailedError('t answered 500', 'http_500', true, 500);
      },
      spec({
        retries: 8,
        breaker: { error_threshold_percentage: 50, volume_threshold: 2, reset_ms: 60_000 },
      }),
    );
    expect(await w.run(job)).toMatchObject({
      outcome: 'dead_letter',
      attempts: 9,
      reason: 'breaker_open',
    });
    expect(calls).toBe(2);
    expect(w.breakerState).toBe('open');
    w.retire();
  });

  it('defers a job when the worker pool and its queue are full', async () => {
    let release: () => void = () => undefined;
    const blocker = new Promise<void>((r) => (release = r));
    const w = worker(() => blocker, spec({ concurrency: 1, queue: 0, timeout_ms: 5_000 }));
    const first = w.run(job);
    expect(await w.run(job)).toEqual({ outcome: 'deferred' });
    release();
    expect(await first).toMatchObject({ outcome: 'success' });
    w.retire();
  });
});
