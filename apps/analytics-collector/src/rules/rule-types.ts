import type { AuditEvent } from '@mcpgw/tool-schemas';

/** Event fields a rule may test or group by. */
export const EVENT_FIELDS = [
  'v',
  'event_id',
  'type',
  'timestamp',
  'request_id',
  'trace_id',
  'user',
  'client_id',
  'method',
  'tool',
  'upstream',
  'client_ip',
  'decision',
  'reason',
  'status',
  'duration_ms',
  'degraded',
  'api_id',
  'endpoint',
  'threat_score',
] as const satisfies ReadonlyArray<keyof AuditEvent>;
export type EventField = (typeof EVENT_FIELDS)[number];

/** Comparison operators of a condition leaf. */
export const CONDITION_OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'regex',
  'cidr',
  'exists',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export type Scalar = string | number | boolean;

/** A condition as written in the rules file. */
export type ConditionSpec =
  { all: ConditionSpec[] } | { any: ConditionSpec[] } | { not: ConditionSpec } | LeafSpec;

export interface LeafSpec {
  field: EventField;
  eq?: Scalar;
  neq?: Scalar;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  in?: Scalar[];
  regex?: string;
  cidr?: string | string[];
  exists?: boolean;
}

/** `gt` or `gte`, exactly one. */
export interface ThresholdSpec {
  gt?: number;
  gte?: number;
}

export interface BreakerSpec {
  error_threshold_percentage: number;
  volume_threshold: number;
  reset_ms: number;
}

/** How an action target is called: timeouts, retries, breaker, worker pool. */
export interface DeliverySpec {
  timeout_ms: number;
  concurrency: number;
  queue: number;
  retries: number;
  backoff: { base_ms: number; max_ms: number };
  /** Upper bound of one job, all retries included. */
  deadline_ms: number;
  breaker: BreakerSpec;
}

export interface WebhookSpec extends DeliverySpec {
  id: string;
  url: string;
  /** HMAC-SHA256 key; never logged. */
  secret: string;
}

export interface WindowSpec {
  seconds: number;
  count?: ThresholdSpec;
  rate?: ThresholdSpec;
  /** Denominator of a rate; default: every event that has the `group_by` field. */
  of?: ConditionSpec;
  min_events: number;
}

export interface RuleSpec {
  id: string;
  description?: string;
  priority: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
  enabled: boolean;
  when: ConditionSpec;
  group_by: EventField;
  window?: WindowSpec;
  cooldown_seconds: number;
  final: boolean;
  actions: {
    block_ip?: { ttl_seconds: number; field: EventField };
    webhooks: string[];
  };
}

/** The whole rules file after validation (defaults applied). */
export interface RulesFileSpec {
  /** Format version; only 1 exists. */
  version?: 1;
  rules: RuleSpec[];
  webhooks: WebhookSpec[];
  gateway: DeliverySpec;
}

/** Reads an event field without trusting the event's static type. */
export function fieldValue(event: AuditEvent, field: EventField): unknown {
  return (event as unknown as Record<string, unknown>)[field];
}
