import { randomUUID } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { withSpan } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { actionStream, buildJobs, enqueueJobs, planActions } from '../actions/action-queue.js';
import type { CollectorMetrics } from '../collector-metrics.js';
import type { CompiledRule } from '../rules/compile-rules.js';
import { keyHash } from '../rules/window-counter.js';
import { CappedLog, type LogPage } from '../support/capped-log.js';
import {
  INCIDENT_RETENTION_MS,
  incidentKeys,
  type ActionState,
  type Incident,
} from './incident.js';

/** A rule that fired for one key. */
export interface Firing {
  rule: CompiledRule;
  key: string;
  event: AuditEvent;
  observed?: number;
  /** Events of the batch that matched the rule for this key. */
  matches: number;
}

/** An incident with its action outcomes and the events seen during its cooldown. */
export type IncidentView = Incident & { action_states: ActionState[]; repeat_events: number };

/**
 * Records incidents and queues their actions, once per rule and key per cooldown. The cooldown
 * marker (SET NX) names the incident and the ingest entry that created it: only that entry
 * creates the incident, and if its processing died half-way, its redelivery finishes the job
 * (record, list entry, queued actions are each idempotent) instead of a second incident.
 */
export class IncidentService {
  readonly log: CappedLog<string>;

  constructor(
    private readonly store: StateStore,
    private readonly metrics: CollectorMetrics,
    private readonly logger: Logger,
  ) {
    this.log = new CappedLog<string>(store, {
      name: 'inc:list',
      capacity: 100_000,
      retentionMs: INCIDENT_RETENTION_MS,
      idempotencyTtlMs: INCIDENT_RETENTION_MS,
    });
  }

  /** Handles a rule firing seen while processing ingest entry `entryId`. */
  async fire(firing: Firing, entryId: string, now: number): Promise<void> {
    const { rule, key } = firing;
    const cooldown = incidentKeys.cooldown(rule.id, keyHash(key));
    let incidentId: string = randomUUID();
    const won = await this.store.set(cooldown, `${incidentId}|${entryId}`, {
      onlyIfAbsent: true,
      ttlMs: rule.cooldownMs,
    });
    if (!won) {
      const [existing, owner] = ((await this.store.get(cooldown)) ?? '').split('|');
      if (!existing) return;
      if (owner !== entryId) {
        await this.store.hashIncrBy(incidentKeys.stats(existing), 'events', firing.matches);
        return;
      }
      incidentId = existing;
    }
    await withSpan(
      'collector.incident',
      { attributes: { 'collector.rule': rule.id, 'collector.incident_id': incidentId } },
      () => this.create(incidentId, firing, now),
    );
  }

  private async create(id: string, firing: Firing, now: number): Promise<void> {
    const { rule, key, event } = firing;
    const incident: Incident = {
      incident_id: id,
      rule_id: rule.id,
      description: rule.description,
      severity: rule.severity,
      key_field: rule.groupBy,
      key,
      ...(firing.observed !== undefined &&
        rule.window && {
          observed: firing.observed,
          threshold: rule.window.threshold,
          window_seconds: rule.window.ms / 1_000,
        }),
      event_id: event.event_id,
      ...(event.client_ip !== undefined && { client_ip: event.client_ip }),
      event_time: event.timestamp,
      created_at: new Date(now).toISOString(),
      actions: planActions(rule, event),
    };
    const ttlMs = INCIDENT_RETENTION_MS;
    const created = await this.store.set(incidentKeys.record(id), JSON.stringify(incident), {
      onlyIfAbsent: true,
      ttlMs,
    });
    const stored = created
      ? incident
      : (parseIncident(await this.store.get(incidentKeys.record(id))) ?? incident);
    await this.log.append([id], id);
    if ((await this.store.get(incidentKeys.queued(id))) === null) {
      await enqueueJobs(actionStream(this.store), buildJobs(stored, rule, event));
      await this.store.set(incidentKeys.queued(id), '1', { ttlMs });
    }
    if (created) {
      this.metrics.actions.inc({ action: 'incident', outcome: 'success' });
      this.logger.warn('incident recorded', {
        incident_id: id,
        rule: rule.id,
        severity: rule.severity,
        key_field: rule.groupBy,
        actions: stored.actions.length,
      });
    }
  }

  /** One incident with its action states, or undefined. */
  async get(id: string): Promise<IncidentView | undefined> {
    const incident = parseIncident(await this.store.get(incidentKeys.record(id)));
    return incident && this.view(incident);
  }

  /** Newest first, optionally of one rule. */
  async list(options: {
    rule?: string;
    limit: number;
    before?: number;
  }): Promise<LogPage<IncidentView>> {
    const page = await this.log.scan({
      before: options.before,
      limit: options.limit * 4,
      maxScan: 5_000,
    });
    const incidents = await Promise.all(page.items.map(({ item }) => this.get(item)));
    const items: LogPage<IncidentView>['items'] = [];
    let nextCursor = page.nextCursor;
    for (let i = 0; i < incidents.length; i++) {
      const incident = incidents[i];
      if (!incident || (options.rule !== undefined && incident.rule_id !== options.rule)) continue;
      items.push({ seq: page.items[i]?.seq ?? 0, item: incident });
      if (items.length === options.limit) {
        nextCursor = page.items[i]?.seq ?? null;
        break;
      }
    }
    return { items, nextCursor, scanned: page.scanned };
  }

  private async view(incident: Incident): Promise<IncidentView> {
    const [states, stats] = await Promise.all([
      this.store.hashGetAll(incidentKeys.actions(incident.incident_id)),
      this.store.hashGetAll(incidentKeys.stats(incident.incident_id)),
    ]);
    const latest = new Map<string, ActionState>();
    for (const field of Object.keys(states)) {
      const [action, target, outcome] = field.split('|');
      if ((action === 'block_ip' || action === 'webhook') && target && outcome)
        latest.set(`${action}|${target}`, { action, target, outcome });
    }
    return {
      ...incident,
      action_states: [...latest.values()],
      repeat_events: Number(stats['events'] ?? '0'),
    };
  }
}

function parseIncident(text: string | null): Incident | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Incident;
  } catch {
    return undefined;
  }
}
