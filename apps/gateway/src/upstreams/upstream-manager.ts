import type { Logger } from '@mcpgw/telemetry';
import { validateUpstreamEntry, type ConfigProblem } from '../gateway-config/load.js';
import type { GatewayFileConfig, UpstreamConfig } from '../gateway-config/schema.js';
import type { UpstreamState, UpstreamSource } from './managed-upstream.js';
import type { UpstreamOverlay } from './upstream-overlay.js';
import type { UpstreamRegistry, UpstreamSetChanges } from './upstream-registry.js';
import { effectiveUpstreams, overlayChanges, type OverlayEntry } from './upstream-set.js';

/** A refused admin request on upstreams: a bad entry (400, every problem named) or stdio not allowed (403). */
export class UpstreamRequestError extends Error {
  constructor(
    readonly status: 400 | 403,
    readonly code: 'GW_ERR_UPSTREAM_INVALID' | 'GW_ERR_STDIO_NOT_ALLOWED',
    message: string,
    readonly problems: readonly ConfigProblem[] = [],
  ) {
    super(message);
    this.name = 'UpstreamRequestError';
  }
}

/** One upstream as the admin API shows it (never its headers or environment: they hold credentials). */
export interface UpstreamView {
  readonly id: string;
  readonly transport: UpstreamConfig['transport'];
  readonly source: UpstreamSource;
  readonly state: UpstreamState;
  readonly inFlight: number;
}

/**
 * The upstream set of this process: the YAML file's upstreams (the base, replaced on reload) with
 * the shared runtime overlay applied (admin additions, tombstones of removed file upstreams,
 * drains). Every overlay change, local or from another replica, is applied to the registry, whose
 * listeners refresh the catalogue.
 */
export class UpstreamManager {
  private base: GatewayFileConfig;

  constructor(
    private readonly deps: {
      registry: UpstreamRegistry;
      overlay: UpstreamOverlay;
      file: GatewayFileConfig;
      /** Built-in tool names an upstream's namespace must not collide with. */
      builtinNames: readonly string[];
      logger: Logger;
    },
  ) {
    this.base = deps.file;
  }

  async start(): Promise<void> {
    // The overlay's first load always calls back, so the set is synced exactly once here.
    await this.deps.overlay.start(() => this.sync());
  }

  stop(): Promise<void> {
    return this.deps.overlay.stop();
  }

  /** A reloaded file becomes the base; the overlay stays and is applied on top of it. */
  setBase(file: GatewayFileConfig): UpstreamSetChanges {
    this.base = file;
    return this.sync();
  }

  list(): UpstreamView[] {
    return this.deps.registry.all().map((u) => ({ id: u.id, transport: u.config.transport, source: u.source, state: u.state, inFlight: u.inFlight }));
  }

  /** Validates `raw` like an entry of `upstreams:` and adds it for every replica. */
  async add(raw: unknown, by: string): Promise<UpstreamConfig> {
    const { value, problems } = validateUpstreamEntry(raw, this.base.namespaceSeparator);
    if (!value) throw new UpstreamRequestError(400, 'GW_ERR_UPSTREAM_INVALID', 'invalid upstream entry', problems);
    if (value.transport === 'stdio' && !this.base.runtimeUpstreams.allowStdio) {
      throw new UpstreamRequestError(403, 'GW_ERR_STDIO_NOT_ALLOWED', 'stdio upstreams may be added at runtime only when runtimeUpstreams.allowStdio is true in the config file');
    }
    const rules = { separator: this.base.namespaceSeparator, builtinNames: this.deps.builtinNames };
    await this.deps.overlay.update((overlay) => overlayChanges.add(overlay, this.base.upstreams, value, rules, by));
    return value;
  }

  /** Removes the upstream for every replica: its tools leave the catalogue and its connection closes. */
  async remove(id: string, by: string): Promise<void> {
    await this.deps.overlay.update((overlay) => overlayChanges.remove(overlay, this.base.upstreams, id, by));
  }

  /** Drains (`true`) or undrains the upstream on every replica; returns its state here. */
  async setDrained(id: string, drained: boolean, by: string): Promise<UpstreamState> {
    await this.deps.overlay.update((overlay) => overlayChanges.setDrained(overlay, this.base.upstreams, id, drained, by));
    return this.deps.registry.get(id)?.state ?? (drained ? 'drained' : 'active');
  }

  private sync(): UpstreamSetChanges {
    return this.deps.registry.apply(effectiveUpstreams(this.base.upstreams, this.usableOverlay()));
  }

  /**
   * Overlay entries are re-validated before use (the store is shared, the schema may have moved
   * on) and stdio additions are skipped where this replica's config does not allow them.
   */
  private usableOverlay(): OverlayEntry[] {
    const usable: OverlayEntry[] = [];
    for (const entry of this.deps.overlay.entries()) {
      if (!entry.config) {
        usable.push(entry);
        continue;
      }
      const { value, problems } = validateUpstreamEntry(entry.config, this.base.namespaceSeparator);
      if (!value || value.id !== entry.id) {
        this.deps.logger.warn('runtime upstream entry is invalid here; skipped', { upstream: entry.id, problems: problems.map((p) => p.field) });
      } else if (value.transport === 'stdio' && !this.base.runtimeUpstreams.allowStdio) {
        this.deps.logger.warn('runtime stdio upstream not allowed by this config; skipped', { upstream: entry.id });
      } else {
        usable.push({ ...entry, config: value });
      }
    }
    return usable;
  }
}
