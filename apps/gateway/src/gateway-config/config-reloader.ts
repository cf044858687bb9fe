import type { Logger } from '@mcpgw/telemetry';
import type { UpstreamSetChanges } from '../upstreams/upstream-registry.js';
import { canonicalJson } from '../pinning/canonical.js';
import { GatewayConfigError, loadGatewayConfig } from './load.js';
import type { GatewayFileConfig } from './schema.js';

/** Sections a reload applies; every other section takes effect on the next restart. */
export const RELOADABLE_SECTIONS = ['upstreams', 'toolSets', 'clients', 'runtimeUpstreams'] as const;
type ReloadableSection = (typeof RELOADABLE_SECTIONS)[number];

/** What one successful reload did. */
export interface ReloadOutcome {
  readonly upstreams: UpstreamSetChanges;
  /** Reloadable sections whose content changed (now in effect). */
  readonly applied: readonly ReloadableSection[];
  /** Sections that changed in the file but keep their old value until a restart. */
  readonly restartRequired: readonly string[];
}

export interface ReloadTargets {
  /** Applies the reloaded sections (upstream set, authorization); must not fail half-way. */
  apply(next: GatewayFileConfig): UpstreamSetChanges;
}

/**
 * Re-reads and re-validates `GATEWAY_CONFIG` (SIGHUP, `POST /admin/config/reload`). An invalid
 * file changes nothing: every problem is logged (never a value) and the GatewayConfigError is
 * rethrown for the caller to answer with. A valid one applies the reloadable sections; the others
 * are reported as needing a restart. Reloads run one at a time.
 */
export class ConfigReloader {
  private effective: GatewayFileConfig;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: { file: string | undefined; initial: GatewayFileConfig; targets: ReloadTargets; logger: Logger },
  ) {
    this.effective = deps.initial;
  }

  /** The config in effect: the start-up file with the reloaded sections of the last good reload. */
  current(): GatewayFileConfig {
    return this.effective;
  }

  reload(): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.run());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(): Promise<ReloadOutcome> {
    const { file, logger, targets } = this.deps;
    if (!file) {
      const err = new GatewayConfigError('(none)', ['(root): GATEWAY_CONFIG is not set; there is no file to reload']);
      logger.warn('config reload refused', { problems: err.problems });
      throw err;
    }
    let next: GatewayFileConfig;
    try {
      next = await loadGatewayConfig(file);
      // The separator itself changes only on restart, so ids are checked against the one in effect.
      const separator = this.effective.namespaceSeparator;
      const ambiguous = next.upstreams.flatMap((u, i) => (u.id.includes(separator) ? [`upstreams.${i}.id: "${u.id}" contains the namespace separator in effect "${separator}"`] : []));
      if (ambiguous.length) throw new GatewayConfigError(file, ambiguous);
    } catch (err) {
      if (err instanceof GatewayConfigError) {
        logger.error('config reload refused; running on the previous config', { file, problems: err.problems });
      }
      throw err;
    }
    const changed = (section: keyof GatewayFileConfig) => canonicalJson(next[section]) !== canonicalJson(this.effective[section]);
    const applied = RELOADABLE_SECTIONS.filter((s) => changed(s));
    const restartRequired = (Object.keys(next) as Array<keyof GatewayFileConfig>).filter(
      (s) => !(RELOADABLE_SECTIONS as readonly string[]).includes(s) && changed(s),
    );
    const merged: GatewayFileConfig = Object.freeze({
      ...this.effective,
      upstreams: next.upstreams,
      toolSets: next.toolSets,
      clients: next.clients,
      runtimeUpstreams: next.runtimeUpstreams,
    });
    const upstreams = targets.apply(merged);
    this.effective = merged;
    logger.info('config reloaded', { file, applied, restart_required: restartRequired, upstreams });
    if (restartRequired.length) logger.warn('config sections changed that take effect only after a restart', { sections: restartRequired });
    return { upstreams, applied, restartRequired };
  }
}
