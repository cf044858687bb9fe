import type { StateStore } from '@mcpgw/state';
import { JsonIndex } from '../support/json-index.js';
import { canonicalJson, definitionHash, pinnedPart } from './canonical.js';

export interface Pin {
  readonly hash: string;
  readonly definition: Record<string, unknown>;
  readonly pinnedAt: string;
  readonly approvedBy: string;
}

export interface PendingChange {
  readonly upstream: string;
  readonly tool: string;
  readonly pinned: Pin;
  readonly proposed: { hash: string; definition: Record<string, unknown>; seenAt: string };
}

export type PinVerdict = { status: 'approved'; hash: string } | { status: 'changed'; hash: string; pinned: Pin };

const CHANNEL = 'pins:changed';

/**
 * The rug-pull guard's memory: the first definition of each upstream tool is pinned (its canonical
 * hash); a later different definition is held as pending and hidden until an admin approves it.
 * Pins live in the shared store, so every replica applies the same approvals.
 */
export class ToolPins {
  private unsubscribe: (() => Promise<void>) | undefined;

  private readonly pendingIndex: JsonIndex;

  constructor(private readonly store: StateStore) {
    this.pendingIndex = new JsonIndex(store, 'pin:pending:index');
  }

  async start(onChange: (upstream: string) => void): Promise<void> {
    this.unsubscribe = await this.store.subscribe(CHANNEL, (upstream) => onChange(upstream));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Checks a listed definition against its pin, pinning it when first seen. */
  async review(upstream: string, tool: string, definition: Readonly<Record<string, unknown>>): Promise<PinVerdict> {
    const hash = definitionHash(definition, tool);
    const key = `pin:${upstream}:${tool}`;
    const raw = await this.store.get(key);
    if (!raw) {
      const pin: Pin = { hash, definition: pinnedPart(definition, tool), pinnedAt: new Date().toISOString(), approvedBy: 'first-seen' };
      // onlyIfAbsent: two replicas seeing a new tool at once agree on one pin.
      if (await this.store.set(key, JSON.stringify(pin), { onlyIfAbsent: true })) return { status: 'approved', hash };
      return this.review(upstream, tool, definition);
    }
    const pin = JSON.parse(raw) as Pin;
    if (pin.hash === hash) return { status: 'approved', hash };
    const proposed = { hash, definition: pinnedPart(definition, tool), seenAt: new Date().toISOString() };
    await this.store.set(`pin:pending:${upstream}:${tool}`, JSON.stringify(proposed));
    await this.pendingIndex.update((items) => [...new Set([...items, `${upstream}:${tool}`])]);
    return { status: 'changed', hash, pinned: pin };
  }

  async pending(): Promise<PendingChange[]> {
    const changes: PendingChange[] = [];
    for (const item of await this.pendingIndex.read()) {
      const [upstream = '', tool = ''] = splitOnce(item);
      const [pinRaw, proposedRaw] = await Promise.all([this.store.get(`pin:${upstream}:${tool}`), this.store.get(`pin:pending:${upstream}:${tool}`)]);
      if (pinRaw && proposedRaw) changes.push({ upstream, tool, pinned: JSON.parse(pinRaw) as Pin, proposed: JSON.parse(proposedRaw) });
    }
    return changes;
  }

  /** Pins the pending definition (it becomes visible on every replica). False when nothing is pending. */
  async approve(upstream: string, tool: string, approvedBy: string): Promise<boolean> {
    const raw = await this.store.get(`pin:pending:${upstream}:${tool}`);
    if (!raw) return false;
    const proposed = JSON.parse(raw) as PendingChange['proposed'];
    const pin: Pin = { hash: proposed.hash, definition: proposed.definition, pinnedAt: new Date().toISOString(), approvedBy };
    await this.store.set(`pin:${upstream}:${tool}`, JSON.stringify(pin));
    await this.store.delete(`pin:pending:${upstream}:${tool}`);
    await this.pendingIndex.update((items) => items.filter((i) => i !== `${upstream}:${tool}`));
    await this.store.publish(CHANNEL, upstream);
    return true;
  }
}

function splitOnce(item: string): [string, string] {
  const at = item.indexOf(':');
  return [item.slice(0, at), item.slice(at + 1)];
}

/** Field-level difference of two pinned definitions, for the admin's review. */
export function diffDefinitions(before: Record<string, unknown>, after: Record<string, unknown>): Array<{ field: string; before: unknown; after: unknown }> {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...fields]
    .filter((f) => canonicalJson(before[f]) !== canonicalJson(after[f]))
    .map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null }));
}
