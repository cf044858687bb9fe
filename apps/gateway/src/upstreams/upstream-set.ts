import type { UpstreamConfig } from '../gateway-config/schema.js';
import type { UpstreamSource } from './managed-upstream.js';

/**
 * One runtime change to the upstream set, keyed by upstream id. `config`: an upstream added
 * through the admin API (it also replaces a file entry of the same id, e.g. one removed before);
 * `removed`: a tombstone hiding the file's entry; `drained`: no new calls go to it.
 */
export interface OverlayEntry {
  readonly id: string;
  readonly config?: UpstreamConfig;
  readonly removed?: true;
  readonly drained?: true;
  /** When and by whom the entry was last changed (ISO time, admin principal). */
  readonly at: string;
  readonly by: string;
}

/** The upstreams in effect: the file's set with the overlay applied. */
export interface EffectiveUpstreams {
  readonly configs: readonly UpstreamConfig[];
  readonly drained: ReadonlySet<string>;
  readonly sources: ReadonlyMap<string, UpstreamSource>;
}

/** A refused change, with the HTTP status the admin API answers it with. */
export class UpstreamChangeError extends Error {
  constructor(
    readonly status: 404 | 409,
    readonly code: 'GW_ERR_UPSTREAM_NOT_FOUND' | 'GW_ERR_UPSTREAM_EXISTS' | 'GW_ERR_NAMESPACE_COLLISION',
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamChangeError';
  }
}

/** Applies the overlay to the file's upstreams (file order first, then runtime additions). */
export function effectiveUpstreams(base: readonly UpstreamConfig[], overlay: readonly OverlayEntry[]): EffectiveUpstreams {
  const byId = new Map(overlay.map((e) => [e.id, e]));
  const baseIds = new Set(base.map((u) => u.id));
  const configs: UpstreamConfig[] = [];
  const drained = new Set<string>();
  const sources = new Map<string, UpstreamSource>();
  const take = (config: UpstreamConfig, entry: OverlayEntry | undefined) => {
    configs.push(config);
    sources.set(config.id, entry?.config ? 'runtime' : 'file');
    if (entry?.drained) drained.add(config.id);
  };
  for (const upstream of base) {
    const entry = byId.get(upstream.id);
    if (entry?.removed) continue;
    take(entry?.config ?? upstream, entry);
  }
  for (const entry of overlay) if (entry.config && !baseIds.has(entry.id) && !entry.removed) take(entry.config, entry);
  return { configs, drained, sources };
}

/** What an added upstream's names must not collide with. */
export interface NamespaceRules {
  readonly separator: string;
  /** Names of the built-in tools (not namespaced). */
  readonly builtinNames: readonly string[];
}

/** Why `id` cannot be added next to `existing`, or undefined when it can. */
function collision(id: string, existing: ReadonlySet<string>, rules: NamespaceRules): UpstreamChangeError | undefined {
  if (existing.has(id)) return new UpstreamChangeError(409, 'GW_ERR_UPSTREAM_EXISTS', `upstream "${id}" already exists`);
  if (id.includes(rules.separator)) {
    return new UpstreamChangeError(409, 'GW_ERR_NAMESPACE_COLLISION', `upstream id "${id}" contains the namespace separator "${rules.separator}"; its tool names would be ambiguous`);
  }
  const prefix = `${id}${rules.separator}`;
  const builtin = rules.builtinNames.find((name) => name.startsWith(prefix));
  if (builtin) {
    return new UpstreamChangeError(409, 'GW_ERR_NAMESPACE_COLLISION', `tools of upstream "${id}" would be named ${prefix}<tool>, which collides with the built-in tool "${builtin}"`);
  }
  return undefined;
}

const notFound = (id: string) => new UpstreamChangeError(404, 'GW_ERR_UPSTREAM_NOT_FOUND', `no upstream "${id}"`);

/** The overlay changes the admin API makes; each returns the next overlay or throws UpstreamChangeError. */
export const overlayChanges = {
  add(overlay: readonly OverlayEntry[], base: readonly UpstreamConfig[], config: UpstreamConfig, rules: NamespaceRules, by: string): OverlayEntry[] {
    const current = effectiveUpstreams(base, overlay);
    const refused = collision(config.id, new Set(current.configs.map((c) => c.id)), rules);
    if (refused) throw refused;
    return [...overlay.filter((e) => e.id !== config.id), { id: config.id, config, at: new Date().toISOString(), by }];
  },

  remove(overlay: readonly OverlayEntry[], base: readonly UpstreamConfig[], id: string, by: string): OverlayEntry[] {
    if (!effectiveUpstreams(base, overlay).sources.has(id)) throw notFound(id);
    const rest = overlay.filter((e) => e.id !== id);
    // A file upstream is hidden by a tombstone; a runtime one simply leaves the overlay.
    return base.some((u) => u.id === id) ? [...rest, { id, removed: true, at: new Date().toISOString(), by }] : rest;
  },

  setDrained(overlay: readonly OverlayEntry[], base: readonly UpstreamConfig[], id: string, drained: boolean, by: string): OverlayEntry[] {
    if (!effectiveUpstreams(base, overlay).sources.has(id)) throw notFound(id);
    const existing = overlay.find((e) => e.id === id);
    const { drained: _old, ...kept } = existing ?? { id };
    const next: OverlayEntry = { ...kept, ...(drained ? { drained: true as const } : {}), at: new Date().toISOString(), by };
    const rest = overlay.filter((e) => e.id !== id);
    // An undrained file upstream needs no entry at all.
    return next.config || next.removed || next.drained ? [...rest, next] : rest;
  },
};
