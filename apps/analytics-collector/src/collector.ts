import type { Registry } from 'prom-client';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { ActionExecutor } from './actions/action-executor.js';
import type { DeadLetter } from './actions/outcome-recorder.js';
import { AggregateWriter } from './aggregates/aggregate-writer.js';
import { Compactor } from './aggregates/compactor.js';
import { createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
import type { CollectorConfig } from './config.js';
import { IncidentService } from './incidents/incident-service.js';
import { ingestKeys, IngestLog } from './ingest/ingest-log.js';
import { IngestService } from './ingest/ingest-service.js';
import { EntryProcessor } from './processing/entry-processor.js';
import type { RuleSet } from './rules/compile-rules.js';
import { RuleEngine } from './rules/rule-engine.js';
import { RulesWatcher } from './rules/rules-watcher.js';
import { CappedLog } from './support/capped-log.js';
import { Periodic } from './support/periodic.js';
import { StreamWorker } from './support/stream-worker.js';
import { consumerName } from './support/stream-worker-options.js';

/** What {@link createCollector} needs. */
export interface CollectorOptions {
  config: CollectorConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  /** The rules loaded at start-up (a bad file stops the service before this point). */
  rules: RuleSet;
  now?: () => number;
  /** Interval of the aggregate compactor; default 2000 ms. */
  compactEveryMs?: number;
}

/** The collector's components, and the lifecycle of its background work. */
export interface Collector {
  readonly store: StateStore;
  readonly metrics: CollectorMetrics;
  readonly ingest: IngestService;
  readonly ingestLog: IngestLog;
  readonly audit: CappedLog<AuditEvent>;
  readonly incidents: IncidentService;
  readonly deadLetters: CappedLog<DeadLetter>;
  readonly rules: RulesWatcher;
  readonly compactor: Compactor;
  readonly executor: ActionExecutor;
  readonly now: () => number;
  /** Starts processing, compaction, actions and rules reloading. */
  start(): void;
  /** Stops them; unfinished work stays pending in Redis for the next consumer. */
  stop(): Promise<void>;
}

/** Wires the collector's domain components around one state store. */
export function createCollector(options: CollectorOptions): Collector {
  const { config, logger, registry, store } = options;
  const now = options.now ?? Date.now;
  const metrics = createCollectorMetrics(registry);
  const rules = new RulesWatcher(
    options.rules,
    config.rulesFile,
    config.rulesPollMs,
    logger,
    metrics,
  );
  const ingestLog = new IngestLog(store);
  const audit = new CappedLog<AuditEvent>(store, {
    name: 'audit',
    capacity: config.audit.maxEvents,
    retentionMs: config.audit.retentionMs,
    idempotencyTtlMs: config.dedupWindowMs,
  });
  const deadLetters = new CappedLog<DeadLetter>(store, {
    name: 'dlq',
    capacity: 10_000,
    retentionMs: 30 * 86_400_000,
    idempotencyTtlMs: 30 * 86_400_000,
  });
  const incidents = new IncidentService(store, metrics, logger);
  const processor = new EntryProcessor({
    store,
    aggregates: new AggregateWriter(store, config.lateEventMs),
    audit,
    rules: new RuleEngine(store, rules, incidents, metrics),
    metrics,
    logger,
    dedupWindowMs: config.dedupWindowMs,
    now,
  });
  const consumer = new StreamWorker({
    store,
    stream: ingestKeys.stream,
    group: ingestKeys.group,
    consumer: consumerName(),
    logger,
    count: 20,
    blockMs: 1_000,
    claimIdleMs: () => config.claimIdleMs,
    handle: (entries) => processor.handle(entries),
    // The processor stops a delivery at the first store failure: retry the rest promptly.
    retryUnacknowledged: true,
    onAcked: (n) =>
      void ingestLog
        .acknowledged(n)
        .catch((err: unknown) => logger.warn('ack counter not updated', { err })),
  });
  const compactor = new Compactor(store, config.lateEventMs, logger);
  const executor = new ActionExecutor({
    store,
    rules,
    registry,
    logger,
    metrics,
    deadLetters,
    gateway: config.gateway,
    userAgent: `mcpgw-analytics-collector/${config.version}`,
    claimIdleMs: config.claimIdleMs,
    now,
  });
  const periodic = [
    new Periodic('compactor', options.compactEveryMs ?? 2_000, logger, () =>
      compactor.runOnce(now()),
    ),
    new Periodic('ingest-backlog', 5_000, logger, async () =>
      metrics.ingestBacklog.set(await ingestLog.backlog()),
    ),
  ];
  return {
    store,
    metrics,
    ingest: new IngestService(store, ingestLog, config.ingest, metrics),
    ingestLog,
    audit,
    incidents,
    deadLetters,
    rules,
    compactor,
    executor,
    now,
    start() {
      rules.start();
      consumer.start();
      executor.start();
      for (const p of periodic) p.start();
    },
    async stop() {
      rules.stop();
      await Promise.all([consumer.stop(), executor.stop(), ...periodic.map((p) => p.stop())]);
    },
  };
}
