import { isIP } from 'node:net';
import type { StateStore } from '@mcpgw/state';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import type { CompiledRule } from '../rules/compile-rules.js';
import { fieldValue } from '../rules/rule-types.js';
import type { Incident, PlannedAction } from '../incidents/incident.js';
import { canonicalIp } from '../support/canonical-ip.js';
import { CappedStream } from '../support/capped-stream.js';
import { actionKeys, type ActionJob } from './action-job.js';

/** The actions a rule asks for, given the event that fired it (block needs an IP in the event). */
export function planActions(rule: CompiledRule, event: AuditEvent): PlannedAction[] {
  const planned: PlannedAction[] = [];
  if (rule.blockIp) {
    const ip = fieldValue(event, rule.blockIp.field);
    if (typeof ip === 'string' && isIP(ip) !== 0)
      planned.push({ action: 'block_ip', target: 'gateway' });
  }
  for (const target of rule.webhooks) planned.push({ action: 'webhook', target });
  return planned;
}

/** Builds the jobs of an incident's planned actions. */
export function buildJobs(incident: Incident, rule: CompiledRule, event: AuditEvent): ActionJob[] {
  return incident.actions.map((planned): ActionJob => {
    const base = {
      key: `${incident.incident_id}:${planned.action}:${planned.target}`,
      incident_id: incident.incident_id,
      target: planned.target,
      created_at: incident.created_at,
    };
    if (planned.action === 'block_ip') {
      return {
        ...base,
        action: 'block_ip',
        payload: {
          // The address as the incident's key shows it, whichever field the rule blocks by.
          ip: canonicalIp(String(fieldValue(event, rule.blockIp?.field ?? 'client_ip'))),
          ttl_seconds: rule.blockIp?.ttlSeconds ?? 0,
          reason: `rule:${rule.id}`,
          incident_id: incident.incident_id,
        },
      };
    }
    return { ...base, action: 'webhook', payload: { type: 'incident.created', incident } };
  });
}

/** Unfinished jobs are never trimmed; this many finished ones are kept besides. */
export const ACTIONS_RETAIN_PROCESSED = 1_000;

/** The durable `actions` stream, where executors on any replica pick jobs up. */
export function actionStream(store: StateStore): CappedStream {
  return new CappedStream(store, actionKeys.stream, ACTIONS_RETAIN_PROCESSED);
}

/** Appends jobs to the `actions` stream. */
export async function enqueueJobs(stream: CappedStream, jobs: readonly ActionJob[]): Promise<void> {
  // The trace context travels with the job, so the action's spans join the incident's trace.
  const carrier = injectTraceHeaders<Record<string, string>>({});
  for (const job of jobs) await stream.append({ job: JSON.stringify(job), ...carrier });
}
