import type { ThresholdSpec } from '../rules/rule-types.js';

/** An action planned for an incident. */
export interface PlannedAction {
  action: 'block_ip' | 'webhook';
  target: string;
}

/** What the collector records when a rule fires. */
export interface Incident {
  incident_id: string;
  rule_id: string;
  description: string;
  severity: string;
  /** The field the rule groups by and its value (e.g. `client_ip` / `203.0.113.7`). */
  key_field: string;
  key: string;
  /** Windowed rules: the count (or rate) that crossed the threshold, and the window. */
  observed?: number;
  threshold?: ThresholdSpec;
  window_seconds?: number;
  /** The event that made the rule fire. */
  event_id: string;
  client_ip?: string;
  event_time: string;
  created_at: string;
  actions: PlannedAction[];
}

/** An action's last known outcome, as listed with the incident. */
export interface ActionState extends PlannedAction {
  outcome: string;
}

/** Keys of incident state (the store adds `anl:`). */
export const incidentKeys = {
  record: (id: string) => `inc:${id}`,
  /** Hash `<action>:<target>:<outcome>` → 1. */
  actions: (id: string) => `inc:${id}:act`,
  /** Hash `events` → events that matched the rule again during its cooldown. */
  stats: (id: string) => `inc:${id}:stats`,
  /** Set once the incident's actions are queued. */
  queued: (id: string) => `inc:${id}:queued`,
  /** Cooldown of a rule for one key; value `<incident id>|<ingest entry id>`. */
  cooldown: (rule: string, hash: string) => `rule:cd:${rule}:${hash}`,
} as const;

/** How long incidents are kept. */
export const INCIDENT_RETENTION_MS = 30 * 86_400_000;
