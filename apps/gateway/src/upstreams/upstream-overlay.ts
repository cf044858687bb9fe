import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { JsonIndex } from '../support/json-index.js';
import { defaultMaxDurationMs, type UpstreamConfig } from '../gateway-config/schema.js';
import type { OverlayEntry } from './upstream-set.js';

/** Store key of the overlay (a JsonIndex list: one JSON-encoded OverlayEntry per upstream id). */
export const OVERLAY_KEY = 'upstreams:overlay';
const CHANNEL = 'upstreams:changed';
const HEAL_INTERVAL_MS = 10_000;

/**
 * The runtime changes to the upstream set, shared by every replica: kept in the state store under
 * the index lock, announced on pub/sub (every replica re-reads the overlay within a second), and
 * re-read periodically so a missed message heals itself.
 */
export class UpstreamOverlay {
  private readonly index: JsonIndex;
  private current: OverlayEntry[] = [];
  /** Undefined until the first load, so that one always reaches `onChange` (empty or not). */
  private fingerprint: string | undefined;
  private onChange: (entries: readonly OverlayEntry[]) => void = () => undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {
    this.index = new JsonIndex(store, OVERLAY_KEY);
  }

  /** Loads the overlay, then follows changes; `onChange` runs whenever the overlay differs from the last one seen. */
  async start(onChange: (entries: readonly OverlayEntry[]) => void): Promise<void> {
    this.onChange = onChange;
    this.unsubscribe = await this.store.subscribe(CHANNEL, () => void this.reload());
    await this.load();
    this.timer = setInterval(() => void this.reload(), HEAL_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  entries(): readonly OverlayEntry[] {
    return this.current;
  }

  /**
   * Rewrites the overlay under the store lock: `change` sees the stored overlay (never a stale
   * local copy) and may throw to refuse. Applied here at once, on the other replicas via pub/sub.
   */
  async update(change: (entries: readonly OverlayEntry[]) => OverlayEntry[]): Promise<readonly OverlayEntry[]> {
    let next: OverlayEntry[] = [];
    await this.index.update((items) => {
      next = change(decode(items));
      return next.map((entry) => JSON.stringify(storedForm(entry)));
    });
    this.accept(next);
    await this.store.publish(CHANNEL, '1').catch((err: unknown) => this.logger.warn('upstream change not announced; replicas catch up on their next reload', { err }));
    return next;
  }

  private async load(): Promise<void> {
    this.accept(decode(await this.index.read()));
  }

  private async reload(): Promise<void> {
    try {
      await this.load();
    } catch (err) {
      this.logger.warn('upstream overlay not reloaded; keeping the last one', { err });
    }
  }

  private accept(entries: OverlayEntry[]): void {
    const fingerprint = JSON.stringify(entries);
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.current = entries;
    this.onChange(entries);
  }
}

function decode(items: readonly string[]): OverlayEntry[] {
  const entries: OverlayEntry[] = [];
  for (const item of items) {
    try {
      const entry = JSON.parse(item) as OverlayEntry;
      if (entry && typeof entry.id === 'string') entries.push(entry);
    } catch {
      // an unreadable entry is skipped; the valid ones still apply
    }
  }
  return entries;
}

/**
 * The entry as stored: a field newer than the previous release is left out while it holds its
 * default, so replicas of that release (whose schema refuses unknown keys) keep reading the entry
 * during a rolling upgrade; re-validation restores the default.
 */
export function storedForm(entry: OverlayEntry): OverlayEntry {
  if (!entry.config) return entry;
  // Entries read back from the store are stored forms themselves: the fields may be missing.
  const { serverRequests, maxDurationMs, ...rest } = entry.config;
  const config: Partial<UpstreamConfig> = { ...rest };
  if (serverRequests !== undefined && serverRequests.length > 0) Object.assign(config, { serverRequests });
  if (maxDurationMs !== undefined && maxDurationMs !== defaultMaxDurationMs(rest.timeoutMs)) Object.assign(config, { maxDurationMs });
  return { ...entry, config: config as UpstreamConfig };
}
