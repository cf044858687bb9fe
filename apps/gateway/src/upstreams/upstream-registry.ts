import type { Registry } from 'prom-client';
import type { Logger } from '@mcpgw/telemetry';
import type { GatewayFileConfig, UpstreamConfig } from '../gateway-config/schema.js';
import { canonicalJson } from '../pinning/canonical.js';
import { ManagedUpstream, type UpstreamSource } from './managed-upstream.js';
import type { UpstreamConnection, UpstreamDeps } from './upstream-connection.js';
import type { EffectiveUpstreams } from './upstream-set.js';

/** What one `apply` changed, by upstream id. */
export interface UpstreamSetChanges {
  readonly added: string[];
  readonly removed: string[];
  /** Same id, different config: the old connection drains while the new one takes new calls. */
  readonly replaced: string[];
  readonly drained: string[];
  readonly undrained: string[];
}

/** True when any list of `changes` is non-empty. */
export const changedAnything = (changes: UpstreamSetChanges): boolean => Object.values(changes).some((ids: string[]) => ids.length > 0);

/**
 * All upstreams of one gateway process. The set changes at runtime (`apply`: admin API, overlay
 * updates from other replicas, config reload). Bounds the number of running stdio children
 * (reaping the least recently used idle one when a new one must start) and stops idle ones.
 */
export class UpstreamRegistry {
  private readonly upstreams = new Map<string, ManagedUpstream>();
  /** Stdio connections holding a process slot (running or starting), retiring ones included. */
  private readonly running = new Set<UpstreamConnection>();
  private readonly reaper: NodeJS.Timeout;
  private readonly listeners: Array<(changes: UpstreamSetChanges) => void> = [];
  /** Stdio starts waiting for a slot: woken when one may have come free (a child stopped or went idle). */
  private readonly slotWaiters = new Set<() => void>();

  constructor(
    private readonly config: GatewayFileConfig,
    private readonly deps: { logger: Logger; registry: Registry; clientVersion: string; onListChanged: (id: string) => void },
  ) {
    for (const upstream of config.upstreams) this.upstreams.set(upstream.id, this.connect(upstream, 'file'));
    this.reaper = setInterval(() => void this.reapIdle(), 5000);
    this.reaper.unref();
  }

  /** Every upstream of the set, draining and drained ones included. */
  all(): ManagedUpstream[] {
    return [...this.upstreams.values()];
  }

  /** The upstreams new calls may be routed to. */
  active(): ManagedUpstream[] {
    return this.all().filter((u) => u.state === 'active');
  }

  get(id: string): ManagedUpstream | undefined {
    return this.upstreams.get(id);
  }

  /** The upstream `id` if new calls may go to it (not draining or drained). */
  routable(id: string): ManagedUpstream | undefined {
    const upstream = this.upstreams.get(id);
    return upstream?.state === 'active' ? upstream : undefined;
  }

  /** Called after every `apply` that changed something. */
  onSetChanged(listener: (changes: UpstreamSetChanges) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Makes the set equal to `desired`: new ids connect (lazily), missing ids close at once, changed
   * configs get a new connection while the old one drains, and drain flags are applied.
   */
  apply(desired: EffectiveUpstreams): UpstreamSetChanges {
    const changes: UpstreamSetChanges = { added: [], removed: [], replaced: [], drained: [], undrained: [] };
    const wanted = new Map(desired.configs.map((c) => [c.id, c]));
    for (const [id, upstream] of this.upstreams) {
      if (wanted.has(id)) continue;
      this.upstreams.delete(id);
      this.releaseSlot(upstream);
      // A start of this upstream waiting for a slot must learn at once that it is gone.
      this.slotsChanged();
      void upstream.close();
      changes.removed.push(id);
    }
    for (const [id, config] of wanted) {
      const source = desired.sources.get(id) ?? 'runtime';
      const existing = this.upstreams.get(id);
      if (existing && sameConfig(existing.config, config)) continue;
      this.upstreams.set(id, this.connect(config, source));
      if (existing) {
        this.retire(existing);
        // A start of the replaced connection waiting for a slot gives up at once (it is no longer the set's).
        this.slotsChanged();
        changes.replaced.push(id);
      } else {
        changes.added.push(id);
      }
    }
    for (const [id, upstream] of this.upstreams) {
      const drain = desired.drained.has(id);
      if (drain && upstream.state === 'active') {
        void upstream.drain().then(() => this.stopped(upstream));
        changes.drained.push(id);
      } else if (!drain && upstream.state !== 'active') {
        upstream.undrain();
        changes.undrained.push(id);
      }
    }
    if (changedAnything(changes)) for (const listener of this.listeners) listener(changes);
    return changes;
  }

  /**
   * Makes room for a stdio child about to start: under the bound it starts at once; at the bound
   * the least recently used idle child stops; while every running child is busy it waits (woken
   * when a child stops or goes idle, up to the upstream's timeout) and then refuses (false).
   */
  async admit(upstream: UpstreamConnection): Promise<boolean> {
    if (upstream.config.transport !== 'stdio' || upstream.connected) return true;
    const deadline = Date.now() + upstream.config.timeoutMs;
    for (;;) {
      // A connection removed or replaced while it waited must not start a child nobody owns.
      if (this.upstreams.get(upstream.id) !== upstream) return false;
      // The slot is taken now, not when the child is up, so concurrent starts cannot all squeeze in.
      if (this.running.has(upstream) || this.running.size < this.config.maxStdioProcesses) {
        this.running.add(upstream);
        return true;
      }
      const victim = [...this.running]
        // A child still starting is not idle yet: its start would finish after the stop.
        .filter((u): u is ManagedUpstream => u instanceof ManagedUpstream && u !== upstream && u.connected && u.inFlight === 0)
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
      if (victim) {
        this.running.delete(victim);
        this.running.add(upstream);
        await victim.disconnect();
        this.deps.logger.info('stdio upstream stopped to make room', { upstream: victim.id, for: upstream.id });
        return true;
      }
      if (Date.now() >= deadline) return false;
      await this.slotMayBeFree(deadline - Date.now());
    }
  }

  /** Resolves when a slot may have come free, or after `ms`. */
  private slotMayBeFree(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.slotWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.slotWaiters.add(wake);
    });
  }

  /** A stdio child stopped or went idle: every waiting start looks again. */
  private slotsChanged(): void {
    for (const wake of [...this.slotWaiters]) wake();
  }

  private releaseSlot(upstream: UpstreamConnection): void {
    if (this.running.delete(upstream)) this.slotsChanged();
  }

  /** Stops stdio children that have been idle longer than their `idleTimeoutMs`. */
  async reapIdle(now = Date.now()): Promise<void> {
    for (const upstream of [...this.running]) {
      if (!upstream.connected && this.upstreams.get(upstream.id) !== upstream) {
        this.releaseSlot(upstream); // removed or replaced before its child came up
        continue;
      }
      const idle = upstream instanceof ManagedUpstream ? upstream.inFlight === 0 : true;
      if (upstream.connected && idle && now - upstream.lastUsedAt > upstream.config.idleTimeoutMs) {
        await upstream.disconnect();
        this.releaseSlot(upstream);
      }
    }
  }

  runningProcesses(): number {
    return this.running.size;
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    const all = this.all();
    // Waiting starts see their upstream gone and give up.
    this.upstreams.clear();
    this.slotsChanged();
    await Promise.all(all.map((u) => u.close()));
  }

  private connect(config: UpstreamConfig, source: UpstreamSource): ManagedUpstream {
    // Process events of a replaced (older) connection of the same id must not touch the new one's bookkeeping.
    const ref: { upstream?: ManagedUpstream } = {};
    const deps: UpstreamDeps = {
      ...this.deps,
      admitProcess: (upstream) => this.admit(upstream),
      onProcessStateChange: (_id, isRunning) => {
        if (!ref.upstream) return;
        if (isRunning) this.running.add(ref.upstream);
        else this.releaseSlot(ref.upstream);
      },
    };
    // A stdio child with nothing in flight may be stopped to make room.
    ref.upstream = new ManagedUpstream(config, deps, source, config.transport === 'stdio' ? () => this.slotsChanged() : undefined);
    return ref.upstream;
  }

  /** A replaced connection finishes its in-flight calls, then closes. */
  private retire(upstream: ManagedUpstream): void {
    void upstream
      .drain()
      .then(() => upstream.close())
      .catch((err: unknown) => this.deps.logger.warn('replaced upstream connection did not close cleanly', { upstream: upstream.id, err }));
  }

  private stopped(upstream: ManagedUpstream): void {
    this.releaseSlot(upstream);
    this.deps.logger.info('upstream drained', { upstream: upstream.id });
  }
}

/** Key order is not a change: configs are compared by their canonical JSON. */
function sameConfig(a: UpstreamConfig, b: UpstreamConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
