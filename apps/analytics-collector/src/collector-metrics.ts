import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { getOrCreateCounter, getOrCreateGauge, getOrCreateHistogram } from '@mcpgw/telemetry';

/** The collector's metrics, registered on the app registry (label values are bounded). */
export interface CollectorMetrics {
  eventsIngested: Counter<string>;
  /** `reason`: invalid, duplicate, rate_limited, batch_invalid. */
  eventsRejected: Counter<'reason'>;
  /** Events not added to the aggregates (`reason`: too_late, clock_skew). */
  eventsNotAggregated: Counter<'reason'>;
  /** `rule`: a rule id from the rules file. */
  rulesMatched: Counter<'rule'>;
  /** `action`: incident, block_ip, webhook; `outcome`: success, dead_letter, skipped, duplicate. */
  actions: Counter<'action' | 'outcome'>;
  /** One per failed webhook attempt; `target` is a webhook id from the rules file. */
  webhookFailures: Counter<'target' | 'reason'>;
  /** Time from receipt of a batch to the end of its processing. */
  ingestionLag: Histogram<string>;
  /** Ingest stream entries stored but not yet acknowledged by a processor (estimate). */
  ingestBacklog: Gauge<string>;
  /** `outcome`: ok, invalid. */
  rulesReloads: Counter<'outcome'>;
  entriesProcessed: Counter<'outcome'>;
}

/** Creates (or finds) the collector metrics on `registry`. */
export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const metrics: CollectorMetrics = {
    eventsIngested: getOrCreateCounter(registry, {
      name: 'events_ingested_total',
      help: 'Audit events accepted and durably stored',
    }),
    eventsRejected: getOrCreateCounter(registry, {
      name: 'events_rejected_total',
      help: 'Audit events refused or skipped at ingestion, by reason',
      labelNames: ['reason'],
    }),
    eventsNotAggregated: getOrCreateCounter(registry, {
      name: 'events_not_aggregated_total',
      help: 'Stored events left out of the time-bucketed aggregates, by reason',
      labelNames: ['reason'],
    }),
    rulesMatched: getOrCreateCounter(registry, {
      name: 'rules_matched_total',
      help: 'Events matching a rule condition, by rule',
      labelNames: ['rule'],
    }),
    actions: getOrCreateCounter(registry, {
      name: 'actions_total',
      help: 'Incident actions by action and outcome',
      labelNames: ['action', 'outcome'],
    }),
    webhookFailures: getOrCreateCounter(registry, {
      name: 'webhook_failures_total',
      help: 'Failed webhook delivery attempts, by target and reason',
      labelNames: ['target', 'reason'],
    }),
    ingestionLag: getOrCreateHistogram(registry, {
      name: 'ingestion_lag_seconds',
      help: 'Time from the receipt of a batch to the end of its processing',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
    ingestBacklog: getOrCreateGauge(registry, {
      name: 'ingest_backlog_entries',
      help: 'Stored ingest batches not yet processed (estimate)',
    }),
    rulesReloads: getOrCreateCounter(registry, {
      name: 'rules_reloads_total',
      help: 'Rules file loads by outcome',
      labelNames: ['outcome'],
    }),
    entriesProcessed: getOrCreateCounter(registry, {
      name: 'ingest_entries_processed_total',
      help: 'Ingest batches processed by outcome',
      labelNames: ['outcome'],
    }),
  };
  for (const reason of ['invalid', 'duplicate', 'rate_limited', 'batch_invalid'])
    metrics.eventsRejected.inc({ reason }, 0);
  return metrics;
}
