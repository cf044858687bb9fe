import type { AuditEvent } from '@mcpgw/tool-schemas';
import type { StateStore } from '@mcpgw/state';
import type { CollectorMetrics } from '../collector-metrics.js';
import type { Firing, IncidentService } from '../incidents/incident-service.js';
import { canonicalIpValue } from '../support/canonical-ip.js';
import type { CompiledRule } from './compile-rules.js';
import { fieldValue } from './rule-types.js';
import type { RulesProvider } from './rules-watcher.js';
import { keyHash, WindowCounter } from './window-counter.js';

interface Touched {
  rule: CompiledRule;
  key: string;
  hash: string;
  /** The last event of the batch that matched the rule for this key. */
  event: AuditEvent;
  atMs: number;
  /** Matching events of the batch for this key. */
  matches: number;
}

// An IP address groups by its canonical form, whichever field holds it and however it is written.
const keyOf = (event: AuditEvent, rule: CompiledRule): string | undefined => {
  const value = canonicalIpValue(fieldValue(event, rule.groupBy));
  return value === undefined ? undefined : String(value);
};

/**
 * Evaluates the active rules over a batch of new events, in priority order per event (a
 * matching `final` rule stops the lower ones). Plain rules fire on a match; windowed rules
 * add to shared sliding-window counters and fire when the count or rate crosses the threshold.
 * Counting is at least once: a batch redelivered after a crash may count twice in a window,
 * which can only make a rule fire earlier, never miss.
 */
export class RuleEngine {
  constructor(
    private readonly store: StateStore,
    private readonly rules: RulesProvider,
    private readonly incidents: IncidentService,
    private readonly metrics: CollectorMetrics,
  ) {}

  async evaluate(events: readonly AuditEvent[], entryId: string, now: number): Promise<number> {
    const { rules } = this.rules.current();
    if (rules.length === 0 || events.length === 0) return 0;
    const counter = new WindowCounter(this.store);
    const touched = new Map<string, Touched>();
    const firings: Firing[] = [];
    for (const event of events) {
      const atMs = Date.parse(event.timestamp);
      for (const rule of rules) {
        const matched = rule.matches(event);
        if (matched) this.metrics.rulesMatched.inc({ rule: rule.id });
        const key = keyOf(event, rule);
        if (rule.window && key !== undefined) {
          const hash = keyHash(key);
          if (matched) {
            counter.add(rule.id, hash, 'n', rule.window, atMs);
            const id = `${rule.id}\n${key}`;
            const matches = (touched.get(id)?.matches ?? 0) + 1;
            touched.set(id, { rule, key, hash, event, atMs, matches });
          }
          if (rule.window.kind === 'rate' && rule.window.base(event))
            counter.add(rule.id, hash, 'd', rule.window, atMs);
        } else if (matched && !rule.window) {
          firings.push({ rule, key: key ?? '-', event, matches: 1 });
        }
        if (matched && rule.final) break;
      }
    }
    await counter.flush();
    for (const t of touched.values()) {
      const firing = await this.windowFiring(counter, t);
      if (firing) firings.push(firing);
    }
    firings.sort((a, b) => b.rule.priority - a.rule.priority);
    for (const firing of firings) await this.incidents.fire(firing, entryId, now);
    return firings.length;
  }

  private async windowFiring(counter: WindowCounter, t: Touched): Promise<Firing | undefined> {
    const window = t.rule.window;
    if (!window) return undefined;
    const count = await counter.sum(t.rule.id, t.hash, 'n', window, t.atMs);
    if (window.kind === 'count') {
      return window.reached(count)
        ? { rule: t.rule, key: t.key, event: t.event, observed: count, matches: t.matches }
        : undefined;
    }
    const base = await counter.sum(t.rule.id, t.hash, 'd', window, t.atMs);
    if (base < window.minEvents || base === 0) return undefined;
    const rate = Math.min(1, count / base);
    return window.reached(rate)
      ? { rule: t.rule, key: t.key, event: t.event, observed: rate, matches: t.matches }
      : undefined;
  }
}
