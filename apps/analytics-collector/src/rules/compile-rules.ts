import { createHash } from 'node:crypto';
import { BlockList } from 'node:net';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { addCidr, compileCondition, type Predicate } from './condition.js';
import {
  fieldValue,
  type ConditionSpec,
  type DeliverySpec,
  type EventField,
  type RuleSpec,
  type RulesFileSpec,
  type ThresholdSpec,
  type WebhookSpec,
} from './rule-types.js';

/** Slots per window: the sliding window advances in steps of 1/12 of its length. */
export const WINDOW_SLOTS = 12;

/** A windowed count or rate per key. */
export interface CompiledWindow {
  ms: number;
  slotMs: number;
  slots: number;
  kind: 'count' | 'rate';
  /** The threshold as written, for the incident record. */
  threshold: ThresholdSpec;
  reached: (value: number) => boolean;
  /** Rate denominator. */
  base: Predicate;
  minEvents: number;
}

/** A rule ready to evaluate. */
export interface CompiledRule {
  id: string;
  description: string;
  priority: number;
  severity: RuleSpec['severity'];
  final: boolean;
  groupBy: EventField;
  matches: Predicate;
  window?: CompiledWindow;
  cooldownMs: number;
  blockIp?: { ttlSeconds: number; field: EventField };
  webhooks: readonly string[];
}

/** The active rules: compiled once per load, then only read. */
export interface RuleSet {
  /** First 12 hex digits of the file's SHA-256. */
  version: string;
  loadedAt: string;
  /** Enabled rules, highest priority first (then by id). */
  rules: readonly CompiledRule[];
  webhooks: ReadonlyMap<string, WebhookSpec>;
  gateway: DeliverySpec;
}

/** Problems joi cannot see: duplicate ids, unknown webhook targets, bad regexes and CIDRs. */
export function semanticProblems(spec: RulesFileSpec): string[] {
  const problems: string[] = [];
  const duplicates = (ids: string[], path: string) =>
    ids.forEach((value, i) => {
      if (ids.indexOf(value) !== i) problems.push(`${path}[${i}].id: duplicate id "${value}"`);
    });
  duplicates(
    spec.rules.map((r) => r.id),
    'rules',
  );
  duplicates(
    spec.webhooks.map((w) => w.id),
    'webhooks',
  );
  const targets = new Set(spec.webhooks.map((w) => w.id));
  spec.rules.forEach((rule, i) => {
    rule.actions.webhooks.forEach((target, j) => {
      if (!targets.has(target))
        problems.push(`rules[${i}].actions.webhooks[${j}]: unknown webhook "${target}"`);
    });
    checkCondition(rule.when, `rules[${i}].when`, problems);
    if (rule.window?.of) checkCondition(rule.window.of, `rules[${i}].window.of`, problems);
  });
  spec.webhooks.forEach((w, i) => {
    if (w.backoff.base_ms > w.backoff.max_ms)
      problems.push(`webhooks[${i}].backoff.base_ms: must not exceed backoff.max_ms`);
  });
  return problems;
}

function checkCondition(spec: ConditionSpec, path: string, problems: string[]): void {
  if ('all' in spec)
    return spec.all.forEach((c, i) => checkCondition(c, `${path}.all[${i}]`, problems));
  if ('any' in spec)
    return spec.any.forEach((c, i) => checkCondition(c, `${path}.any[${i}]`, problems));
  if ('not' in spec) return checkCondition(spec.not, `${path}.not`, problems);
  if (spec.regex !== undefined) {
    try {
      new RegExp(spec.regex, 'u');
    } catch (err) {
      problems.push(`${path}.regex: not a valid regular expression (${(err as Error).message})`);
    }
  }
  if (spec.cidr !== undefined) {
    const list = Array.isArray(spec.cidr) ? spec.cidr : [spec.cidr];
    list.forEach((cidr, i) => {
      try {
        addCidr(new BlockList(), cidr);
      } catch (err) {
        problems.push(
          `${path}.cidr${Array.isArray(spec.cidr) ? `[${i}]` : ''}: ${(err as Error).message}`,
        );
      }
    });
  }
  return undefined;
}

function compileWindow(rule: RuleSpec): CompiledWindow | undefined {
  const w = rule.window;
  if (!w) return undefined;
  const ms = w.seconds * 1_000;
  const slotMs = Math.max(1_000, Math.ceil(ms / WINDOW_SLOTS));
  const threshold = (w.count ?? w.rate) as ThresholdSpec;
  const reached =
    threshold.gt !== undefined
      ? (v: number) => v > (threshold.gt as number)
      : (v: number) => v >= (threshold.gte as number);
  const groupBy = rule.group_by;
  return {
    ms,
    slotMs,
    slots: Math.ceil(ms / slotMs),
    kind: w.count ? 'count' : 'rate',
    threshold,
    reached,
    base: w.of ? compileCondition(w.of) : (e: AuditEvent) => fieldValue(e, groupBy) !== undefined,
    minEvents: w.min_events,
  };
}

/** Compiles a validated rules file; `content` is hashed into the version. */
export function compileRules(spec: RulesFileSpec, content: string, now: Date): RuleSet {
  const rules = spec.rules
    .filter((r) => r.enabled)
    .map((r): CompiledRule => ({
      id: r.id,
      description: r.description ?? r.id,
      priority: r.priority,
      severity: r.severity,
      final: r.final,
      groupBy: r.group_by,
      matches: compileCondition(r.when),
      window: compileWindow(r),
      cooldownMs: r.cooldown_seconds * 1_000,
      ...(r.actions.block_ip && {
        blockIp: { ttlSeconds: r.actions.block_ip.ttl_seconds, field: r.actions.block_ip.field },
      }),
      webhooks: [...r.actions.webhooks],
    }))
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return Object.freeze({
    version: createHash('sha256').update(content).digest('hex').slice(0, 12),
    loadedAt: now.toISOString(),
    rules: Object.freeze(rules),
    webhooks: new Map(spec.webhooks.map((w) => [w.id, Object.freeze(w)])),
    gateway: Object.freeze(spec.gateway),
  });
}

/** The rule set of a collector without a rules file. */
export function emptyRuleSet(gateway: DeliverySpec, now: Date): RuleSet {
  return compileRules({ rules: [], webhooks: [], gateway }, '', now);
}
