import type { Context } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import {
  backoffCapMs,
  Bulkhead,
  createCircuitBreaker,
  isBreakerOpenError,
  isBulkheadFullError,
  isRetryable,
  retry,
  type CircuitBreaker,
} from '@mcpgw/resilience';
import { withSpan, type Logger } from '@mcpgw/telemetry';
import type { CollectorMetrics } from '../collector-metrics.js';
import { ActionFailedError } from '../errors.js';
import type { DeliverySpec } from '../rules/rule-types.js';
import type { ActionJob } from './action-job.js';

/** Sends one attempt of a job; rejects with a retryable or final error. */
export type Sender = (job: ActionJob, signal: AbortSignal) => Promise<unknown>;

/** How a job ended. */
export type JobOutcome =
  | { outcome: 'success'; attempts: number }
  | { outcome: 'dead_letter'; attempts: number; reason: string; message: string }
  /** The worker pool was full: the job was not tried and should stay queued. */
  | { outcome: 'deferred' };

const reasonOf = (err: unknown): string => {
  const reason: unknown = err && typeof err === 'object' ? Reflect.get(err, 'reason') : undefined;
  return typeof reason === 'string' ? reason : 'error';
};

/**
 * Everything between a job and one target: a worker pool (bulkhead: `concurrency` running,
 * `queue` waiting), retries with exponential backoff and full jitter inside the job's
 * deadline, and a circuit breaker so a dead target is not hammered. 4xx answers (except
 * 408/429) are final at once and do not count against the breaker; an open breaker is retried
 * after the backoff like an outage. A job that runs out of attempts ends as a dead letter.
 */
export class TargetWorker {
  private readonly pool: Bulkhead;
  private readonly breaker: CircuitBreaker<[ActionJob], unknown>;
  private inFlight = 0;
  private retired = false;

  constructor(
    readonly target: string,
    /** Breaker and bulkhead name (metric label), e.g. `webhook:soc`. */
    readonly name: string,
    readonly spec: DeliverySpec,
    private readonly send: Sender,
    private readonly deps: { registry: Registry; logger: Logger; metrics: CollectorMetrics },
  ) {
    this.pool = new Bulkhead({
      name,
      maxConcurrent: spec.concurrency,
      maxQueue: spec.queue,
      registry: deps.registry,
    });
    this.breaker = createCircuitBreaker((call, job: ActionJob) => this.send(job, call.signal), {
      name,
      timeoutMs: spec.timeout_ms,
      errorThresholdPercentage: spec.breaker.error_threshold_percentage,
      volumeThreshold: spec.breaker.volume_threshold,
      resetTimeoutMs: spec.breaker.reset_ms,
      isFailure: (err) => !(err instanceof ActionFailedError && !err.retryable),
      registry: deps.registry,
      logger: deps.logger,
    });
  }

  /** Breaker state, for tests and readiness output. */
  get breakerState(): string {
    return this.breaker.state;
  }

  /** Runs `job` to its final outcome; `parent` is the trace context it was queued in. */
  async run(job: ActionJob, parent?: Context): Promise<JobOutcome> {
    this.inFlight++;
    let attempts = 0;
    try {
      await this.pool.run(() =>
        retry(
          (attempt, signal) =>
            withSpan(
              'collector.action',
              {
                ...(parent && { parent }),
                attributes: {
                  'collector.action': job.action,
                  'collector.target': this.target,
                  'collector.attempt': attempt,
                },
              },
              async () => {
                attempts++;
                try {
                  return await this.breaker.fireWithSignal(signal, job);
                } catch (err) {
                  if (job.action === 'webhook')
                    this.deps.metrics.webhookFailures.inc({
                      target: this.target,
                      reason: reasonOf(err),
                    });
                  throw err;
                }
              },
            ),
          {
            retries: this.spec.retries,
            baseDelayMs: this.spec.backoff.base_ms,
            maxDelayMs: this.spec.backoff.max_ms,
            deadlineMs: this.spec.deadline_ms,
            shouldRetry: (err) => isBreakerOpenError(err) || isRetryable(err),
            onRetry: ({ attempt, delayMs, error }) =>
              this.deps.logger.info('action attempt failed; retrying', {
                action: job.action,
                target: this.target,
                incident_id: job.incident_id,
                attempt,
                delay_ms: delayMs,
                backoff_cap_ms: backoffCapMs(
                  attempt,
                  this.spec.backoff.base_ms,
                  this.spec.backoff.max_ms,
                ),
                reason: reasonOf(error),
              }),
          },
        ),
      );
      return { outcome: 'success', attempts };
    } catch (err) {
      if (isBulkheadFullError(err)) return { outcome: 'deferred' };
      const last =
        err && typeof err === 'object' && 'cause' in err && reasonOf(err) === 'retries_exhausted'
          ? err.cause
          : err;
      return {
        outcome: 'dead_letter',
        attempts,
        reason: reasonOf(last),
        message: err instanceof Error ? err.message : String(err),
      };
    } finally {
      this.inFlight--;
      if (this.retired && this.inFlight === 0) this.breaker.shutdown();
    }
  }

  /** Stops the breaker once in-flight jobs are done (after a rules reload replaced this worker). */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.breaker.shutdown();
  }
}
