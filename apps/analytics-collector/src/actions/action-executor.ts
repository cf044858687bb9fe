import type { Registry } from 'prom-client';
import { retry } from '@mcpgw/resilience';
import { StoreUnavailableError, type StateStore, type StreamEntry } from '@mcpgw/state';
import { extractTraceContext, type Logger } from '@mcpgw/telemetry';
import type { Context } from '@opentelemetry/api';
import type { CollectorMetrics } from '../collector-metrics.js';
import type { RuleSet } from '../rules/compile-rules.js';
import type { RulesWatcher } from '../rules/rules-watcher.js';
import type { CappedLog } from '../support/capped-log.js';
import { StreamWorker } from '../support/stream-worker.js';
import { consumerName } from '../support/stream-worker-options.js';
import { actionKeys, parseJob, type ActionJob } from './action-job.js';
import { actionStream } from './action-queue.js';
import { recordOutcome, type DeadLetter } from './outcome-recorder.js';
import { post } from './http-post.js';
import { blockRequest, webhookRequest } from './requests.js';
import { TargetWorker, type JobOutcome } from './target-worker.js';

export interface ActionExecutorDeps {
  store: StateStore;
  rules: RulesWatcher;
  registry: Registry;
  logger: Logger;
  metrics: CollectorMetrics;
  deadLetters: CappedLog<DeadLetter>;
  gateway: { url: string; serviceToken?: string };
  userAgent: string;
  claimIdleMs: number;
  now: () => number;
}

const MAX_IN_FLIGHT = 200;
const STOP_WAIT_MS = 5_000;

/**
 * Runs queued actions: reads the `actions` stream as one consumer of the `executors` group and
 * hands each job to its target's worker without waiting, so a slow or dead target never
 * stalls the others or ingestion. A job is acknowledged after its final outcome is recorded;
 * `act:done:<key>` makes a redelivered job a no-op, so each action runs once per incident
 * (receivers get the same `Idempotency-Key` should a crash repeat a call).
 */
export class ActionExecutor {
  private workers = new Map<string, TargetWorker>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly consumer: StreamWorker;
  private readonly stopping = new AbortController();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ActionExecutorDeps) {
    const actions = actionStream(deps.store);
    this.consumer = new StreamWorker({
      store: deps.store,
      stream: actionKeys.stream,
      group: actionKeys.group,
      consumer: consumerName(),
      logger: deps.logger,
      count: 50,
      blockMs: 1_000,
      claimIdleMs: () => this.claimIdleMs(),
      room: () => MAX_IN_FLIGHT - this.inFlight.size,
      handle: (entries) => this.handle(entries),
      onAcked: (n) =>
        void actions
          .acknowledged(n)
          .catch((err: unknown) => deps.logger.warn('ack counter not updated', { err })),
    });
  }

  start(): void {
    this.rebuild(this.deps.rules.current());
    this.unsubscribe = this.deps.rules.onChange((rules) => this.rebuild(rules));
    this.consumer.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopping.abort();
    await this.consumer.stop();
    // Unfinished jobs stay pending; another replica (or the next start) takes them over.
    await Promise.race([
      Promise.allSettled(this.inFlight.values()),
      new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref()),
    ]);
    for (const worker of this.workers.values()) worker.retire();
  }

  /** The worker of `target`, for tests. */
  worker(target: string): TargetWorker | undefined {
    return this.workers.get(target);
  }

  // A job may legitimately run for its whole deadline; only take over older ones.
  private claimIdleMs(): number {
    const longestDeadlineMs = Math.max(
      0,
      ...[...this.workers.values()].map((w) => w.spec.deadline_ms),
    );
    return Math.max(this.deps.claimIdleMs, longestDeadlineMs + 30_000);
  }

  /**
   * Repeats a store write through a blip (backoff 100 ms to 2 s, for at most half the claim-idle
   * time): a finished job left unrecorded would be taken over by the idle claim and run again.
   */
  private persist(write: () => Promise<unknown>): Promise<unknown> {
    return retry(write, {
      retries: 1_000,
      baseDelayMs: 100,
      maxDelayMs: 2_000,
      deadlineMs: this.claimIdleMs() / 2,
      shouldRetry: (err) => err instanceof StoreUnavailableError,
      signal: this.stopping.signal,
    });
  }

  private rebuild(rules: RuleSet): void {
    const next = new Map<string, TargetWorker>();
    const { registry, logger, metrics, gateway, userAgent, now } = this.deps;
    const workerDeps = { registry, logger, metrics };
    const keep = (target: string, spec: TargetWorker['spec'], make: () => TargetWorker) => {
      const old = this.workers.get(target);
      next.set(target, old && JSON.stringify(old.spec) === JSON.stringify(spec) ? old : make());
    };
    keep(
      'gateway',
      rules.gateway,
      () =>
        new TargetWorker(
          'gateway',
          'gateway-admin',
          rules.gateway,
          (job, signal) =>
            post(
              blockRequest(job, gateway.url, gateway.serviceToken, userAgent),
              'gateway',
              signal,
            ),
          workerDeps,
        ),
    );
    for (const [id, spec] of rules.webhooks) {
      keep(
        id,
        spec,
        () =>
          new TargetWorker(
            id,
            `webhook:${id}`,
            spec,
            (job, signal) =>
              post(webhookRequest(job, spec, userAgent, now()), `webhook ${id}`, signal),
            workerDeps,
          ),
      );
    }
    for (const [target, worker] of this.workers) if (next.get(target) !== worker) worker.retire();
    this.workers = next;
  }

  private async handle(entries: StreamEntry[]): Promise<string[]> {
    const ackNow: string[] = [];
    const jobs = entries.map((entry) => ({ entry, job: parseJob(entry.fields) }));
    // Taken before the done markers are read: a job running now may record its outcome meanwhile,
    // and its own run acknowledges the entry once the XACK goes through.
    const running = jobs.map(({ job }) => job !== undefined && this.inFlight.has(job.key));
    const done = await Promise.all(
      jobs.map(({ job }) =>
        job ? this.deps.store.get(actionKeys.done(job.key)) : Promise.resolve(null),
      ),
    );
    jobs.forEach(({ entry, job }, i) => {
      if (!job) {
        this.deps.logger.error('dropping unreadable action entry', { entry: entry.id });
        ackNow.push(entry.id);
      } else if (running[i] === true || this.inFlight.has(job.key)) {
        // Handed back (a re-read of the pending list) while still running: not a duplicate.
      } else if (done[i] !== null) {
        this.deps.metrics.actions.inc({ action: job.action, outcome: 'duplicate' });
        ackNow.push(entry.id);
      } else {
        const parent = extractTraceContext({
          traceparent: entry.fields['traceparent'],
          tracestate: entry.fields['tracestate'],
        });
        const run = this.run(job, entry.id, parent).finally(() => this.inFlight.delete(job.key));
        this.inFlight.set(job.key, run);
      }
    });
    return ackNow;
  }

  private async run(job: ActionJob, entryId: string, parent: Context): Promise<void> {
    const worker = this.workers.get(job.target);
    const outcome: JobOutcome = worker
      ? await worker.run(job, parent)
      : {
          outcome: 'dead_letter',
          attempts: 0,
          reason: 'unknown_target',
          message: `no target "${job.target}" in the rules file`,
        };
    if (outcome.outcome === 'deferred') return;
    try {
      // Separately: recording again after a failed XACK would count the outcome twice.
      await this.persist(() => recordOutcome(this.deps, job, outcome));
      await this.persist(() => this.consumer.ack([entryId]));
    } catch (err) {
      this.deps.logger.warn('action outcome not recorded; the job will be retried', {
        key: job.key,
        err,
      });
    }
  }
}
