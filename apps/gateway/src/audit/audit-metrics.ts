import type { Counter, Gauge, Registry } from 'prom-client';
import type { StateStore } from '@mcpgw/state';
import { getOrCreateCounter, getOrCreateGauge } from '@mcpgw/telemetry';
import { AUDIT_OUTBOX } from './audit-recorder.js';

/** The relay's consumer group on the outbox (shared with the relay: the pending count is this group's). */
export const AUDIT_RELAY_GROUP = 'collector-relay';
/** A store that does not answer within this is skipped, so a slow store cannot stall a scrape. */
const COLLECT_BUDGET_MS = 250;
/** Reason codes are snake_case codes; anything else (a bug upstream of here) shares one value. */
const REASON_CODE = /^[a-z0-9_]{1,64}$/;

/** The gateway's decision and audit-outbox metrics. */
export interface AuditMetrics {
  /** One per finished request: `decision` allow|deny|error, `reason` code or `none`, `type` event type. */
  readonly decisions: Counter<'decision' | 'reason' | 'type'>;
  /** Unix time (seconds) of the last batch the relay shipped and acknowledged. */
  readonly relayLastSuccess: Gauge;
  /** Outbox entries delivered to a relay and not yet acknowledged (read at scrape time). */
  readonly outboxPending: Gauge;
}

/**
 * Registers the metrics on `registry`. `gateway_audit_outbox_pending` is read from `store` at
 * scrape time; a store that fails or is slow leaves the last value in place (a scrape never fails
 * because of it).
 */
export function createAuditMetrics(registry: Registry, store: StateStore): AuditMetrics {
  return {
    decisions: getOrCreateCounter(registry, {
      name: 'gateway_decisions_total',
      help: 'Requests finished by the gateway pipeline, by decision, reason code and audit event type',
      labelNames: ['decision', 'reason', 'type'] as const,
    }),
    relayLastSuccess: getOrCreateGauge(registry, {
      name: 'gateway_audit_relay_last_success_timestamp_seconds',
      help: 'Unix time of the last audit batch the relay shipped to the collector and acknowledged',
    }),
    outboxPending: getOrCreateGauge(registry, {
      name: 'gateway_audit_outbox_pending',
      help: 'Audit outbox entries delivered to a relay and not yet acknowledged (shipping or stuck)',
      async collect() {
        const count = await withinBudget(store.streamPendingCount(AUDIT_OUTBOX, AUDIT_RELAY_GROUP));
        if (count !== undefined) this.set(count);
      },
    }),
  };
}

/** The reason label of a decision: the code itself when it looks like one, `none` when absent. */
export function reasonLabel(reason: string | undefined): string {
  if (reason === undefined || reason === '') return 'none';
  return REASON_CODE.test(reason) ? reason : 'other';
}

/** The value, or undefined when the promise rejects (store down, group not yet created) or is late. */
async function withinBudget(value: Promise<number>): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), COLLECT_BUDGET_MS);
  });
  try {
    return await Promise.race([value.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
