import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { CollectorMetrics } from '../collector-metrics.js';
import { INCIDENT_RETENTION_MS, incidentKeys } from '../incidents/incident.js';
import type { CappedLog } from '../support/capped-log.js';
import { actionKeys, type ActionJob } from './action-job.js';
import type { JobOutcome } from './target-worker.js';

/** A job that used up its attempts, as listed by `GET /v1/deadletters`. */
export interface DeadLetter {
  key: string;
  incident_id: string;
  action: ActionJob['action'];
  target: string;
  attempts: number;
  reason: string;
  message: string;
  failed_at: string;
  payload: Record<string, unknown>;
}

/** How long a finished action is remembered (a redelivered job within it is a no-op). */
export const DONE_TTL_MS = 7 * 86_400_000;

/**
 * Records a job's final outcome: the dead-letter entry (idempotent by job key), the done marker
 * that makes a redelivery a no-op, the incident's action state and the metric. Every write is
 * idempotent, so a crash part-way and a second recording leave the same state.
 */
export async function recordOutcome(
  deps: {
    store: StateStore;
    metrics: CollectorMetrics;
    logger: Logger;
    deadLetters: CappedLog<DeadLetter>;
    now: () => number;
  },
  job: ActionJob,
  outcome: Exclude<JobOutcome, { outcome: 'deferred' }>,
): Promise<void> {
  const { store, metrics, logger } = deps;
  if (outcome.outcome === 'dead_letter') {
    const letter: DeadLetter = {
      key: job.key,
      incident_id: job.incident_id,
      action: job.action,
      target: job.target,
      attempts: outcome.attempts,
      reason: outcome.reason,
      message: outcome.message,
      failed_at: new Date(deps.now()).toISOString(),
      payload: job.payload,
    };
    await deps.deadLetters.append([letter], job.key);
    logger.warn('action dead-lettered', {
      key: job.key,
      action: job.action,
      target: job.target,
      attempts: outcome.attempts,
      reason: outcome.reason,
    });
  }
  await store.set(actionKeys.done(job.key), outcome.outcome, { ttlMs: DONE_TTL_MS });
  const states = incidentKeys.actions(job.incident_id);
  await store.hashIncrBy(states, `${job.action}|${job.target}|${outcome.outcome}`, 1);
  await store.expire(states, INCIDENT_RETENTION_MS);
  metrics.actions.inc({ action: job.action, outcome: outcome.outcome });
}
