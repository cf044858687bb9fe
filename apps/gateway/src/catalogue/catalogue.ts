import type { Logger } from '@mcpgw/telemetry';
import { flagDefinition, type DescriptionFlag } from '../pinning/hidden-instructions.js';
import type { ToolPins } from '../pinning/tool-pins.js';
import type { UpstreamConnection } from '../upstreams/upstream-connection.js';
import type { UpstreamRegistry, UpstreamSetChanges } from '../upstreams/upstream-registry.js';

/** Where a catalogue entry is served from. */
export type Owner = { kind: 'builtin' } | { kind: 'upstream'; upstream: UpstreamConnection };

export interface CatalogueTool {
  /** The name clients see and call: `<upstream><separator><tool>`, or the built-in's own name. */
  readonly name: string;
  /** The name the owner executes. */
  readonly originalName: string;
  readonly owner: Owner;
  /** The definition as listed to clients (the upstream's, with the exposed name). */
  readonly definition: Readonly<Record<string, unknown>>;
  /** Signs of instructions hidden in the definition (for the admin view and the audit trail). */
  readonly flags?: readonly DescriptionFlag[];
}

/** A tool kept out of the catalogue until an admin approves its changed definition. */
export interface HeldTool {
  readonly name: string;
  readonly upstream: string;
  readonly reason: 'definition_changed';
}

/** Security-relevant catalogue events, for the audit trail. */
export type CatalogueIncident =
  | { kind: 'definition_changed'; upstream: string; tool: string }
  | { kind: 'suspicious_definition'; upstream: string; tool: string; flags: readonly DescriptionFlag[] };

export interface CataloguePrompt {
  readonly name: string;
  readonly originalName: string;
  readonly upstream: UpstreamConnection;
  readonly definition: Readonly<Record<string, unknown>>;
}

interface UpstreamListing {
  tools: CatalogueTool[];
  held: HeldTool[];
  prompts: CataloguePrompt[];
  resources: Record<string, unknown>[];
  resourceTemplates: Record<string, unknown>[];
}

/**
 * The aggregated view over every upstream plus the built-in tools. Each upstream's listing is
 * refreshed on its own (at first use, on `list_changed`, on reconnect); a dead upstream's entries
 * disappear while the rest stay. Names are namespaced, and a name that would collide is refused.
 */
export class Catalogue {
  private readonly listings = new Map<string, UpstreamListing>();
  private readonly failures = new Map<string, string>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private loaded: Promise<void> | undefined;
  private version = 0;
  private toolIndex = new Map<string, CatalogueTool>();

  constructor(
    private readonly upstreams: UpstreamRegistry,
    private readonly builtins: CatalogueTool[],
    private readonly separator: string,
    private readonly logger: Logger,
    private readonly onChanged: (kinds: ReadonlySet<'tools' | 'prompts' | 'resources'>) => void = () => undefined,
    private readonly guard?: { pins: ToolPins; onIncident: (incident: CatalogueIncident) => void },
  ) {
    this.reindex();
  }

  /** Loads every upstream's listing once (lazily, so stdio children start on first use). */
  ensureLoaded(): Promise<void> {
    this.loaded ??= Promise.all(this.upstreams.active().map((u) => this.refresh(u.id))).then(() => undefined);
    return this.loaded;
  }

  /** Retries upstreams whose listing failed (a dead upstream comes back on its own). Returns a stop function. */
  retryFailedEvery(intervalMs: number): () => void {
    const timer = setInterval(() => {
      for (const id of this.failures.keys()) void this.refresh(id);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Re-lists one upstream; concurrent refreshes of the same upstream share one run. */
  refresh(upstreamId: string): Promise<void> {
    const running = this.refreshing.get(upstreamId);
    if (running) return running;
    const run: Promise<void> = this.load(upstreamId).finally(() => {
      if (this.refreshing.get(upstreamId) === run) this.refreshing.delete(upstreamId);
    });
    this.refreshing.set(upstreamId, run);
    return run;
  }

  /**
   * Follows a change of the upstream set: entries of removed, replaced and draining upstreams
   * leave at once (so new calls to them are answered like an unknown tool); added, replaced and
   * undrained ones are listed now if the catalogue was loaded already, else on first use.
   */
  upstreamsChanged(changes: UpstreamSetChanges): Promise<void> {
    const gone = [...changes.removed, ...changes.replaced, ...changes.drained];
    for (const id of gone) {
      this.listings.delete(id);
      this.failures.delete(id);
      this.refreshing.delete(id);
    }
    if (gone.length) this.publish();
    if (!this.loaded) return Promise.resolve();
    return Promise.all([...changes.added, ...changes.replaced, ...changes.undrained].map((id) => this.refresh(id))).then(() => undefined);
  }

  tools(): CatalogueTool[] {
    const all = [...this.builtins];
    for (const listing of this.listings.values()) all.push(...listing.tools);
    return all;
  }

  /** O(1): `tools/call` resolves names on every request. */
  findTool(name: string): CatalogueTool | undefined {
    return this.toolIndex.get(name);
  }

  prompts(): CataloguePrompt[] {
    return [...this.listings.values()].flatMap((l) => l.prompts);
  }

  findPrompt(name: string): CataloguePrompt | undefined {
    return this.prompts().find((p) => p.name === name);
  }

  resources(): Record<string, unknown>[] {
    return [...this.listings.values()].flatMap((l) => l.resources);
  }

  resourceTemplates(): Record<string, unknown>[] {
    return [...this.listings.values()].flatMap((l) => l.resourceTemplates);
  }

  /** The upstream that listed this exact resource URI, or whose template prefix matches it. */
  ownerOfResource(uri: string): UpstreamConnection | undefined {
    for (const [id, listing] of this.listings) {
      if (listing.resources.some((r) => r['uri'] === uri)) return this.upstreams.routable(id);
    }
    for (const [id, listing] of this.listings) {
      const match = listing.resourceTemplates.some((t) => {
        const template = typeof t['uriTemplate'] === 'string' ? t['uriTemplate'] : '';
        const prefix = template.split('{')[0] ?? '';
        return prefix.length > 0 && uri.startsWith(prefix);
      });
      if (match) return this.upstreams.routable(id);
    }
    return undefined;
  }

  /** Tools hidden because their definition changed since it was approved. */
  held(): HeldTool[] {
    return [...this.listings.values()].flatMap((l) => l.held);
  }

  /** Upstreams whose last listing failed, with the reason (for `/ready`). */
  unhealthy(): ReadonlyMap<string, string> {
    return this.failures;
  }

  /** Changes whenever any listing changes; lets callers detect a stale pagination cursor. */
  get revision(): number {
    return this.version;
  }

  private exposedName(upstreamId: string, name: string): string {
    return `${upstreamId}${this.separator}${name}`;
  }

  private async load(upstreamId: string): Promise<void> {
    const upstream = this.upstreams.routable(upstreamId);
    if (!upstream) return;
    // The set may change while the upstream is listed: a result for a connection no longer routed to is dropped.
    const current = () => this.upstreams.routable(upstreamId) === upstream;
    try {
      const [tools, prompts, resources, resourceTemplates] = await Promise.all([
        upstream.listAll('tools'),
        upstream.listAll('prompts'),
        upstream.listAll('resources'),
        upstream.listAll('resourceTemplates'),
      ]);
      const { visible, held } = await this.guardTools(upstream.id, this.namespaceTools(upstream, tools));
      if (!current()) return;
      this.listings.set(upstreamId, {
        tools: visible,
        held,
        prompts: prompts.flatMap((p) => this.namespacePrompt(upstream, p)),
        resources,
        resourceTemplates,
      });
      this.failures.delete(upstreamId);
    } catch (err) {
      if (!current()) return;
      // One dead upstream never blanks the catalogue: only its own entries go.
      this.listings.delete(upstreamId);
      this.failures.set(upstreamId, err instanceof Error ? err.message.slice(0, 200) : 'listing failed');
      this.logger.warn('upstream listing failed; its tools are hidden', { upstream: upstreamId, err });
    }
    this.publish();
  }

  /** Re-indexes after a listing changed and tells clients when a list they would see differs. */
  private publish(): void {
    this.version += 1;
    this.reindex();
    const changed = this.changedKinds();
    if (changed.size) this.onChanged(changed);
  }

  private fingerprints: Record<'tools' | 'prompts' | 'resources', string> = { tools: '', prompts: '', resources: '' };

  /** Which lists differ from what clients were last told about (so refreshes without change stay quiet). */
  private changedKinds(): Set<'tools' | 'prompts' | 'resources'> {
    const now = {
      tools: JSON.stringify(this.tools().map((t) => t.definition)),
      prompts: JSON.stringify(this.prompts().map((p) => p.definition)),
      resources: JSON.stringify([this.resources(), this.resourceTemplates()]),
    };
    const changed = new Set<'tools' | 'prompts' | 'resources'>();
    for (const kind of ['tools', 'prompts', 'resources'] as const) {
      if (now[kind] !== this.fingerprints[kind]) changed.add(kind);
    }
    this.fingerprints = now;
    return changed;
  }

  private reindex(): void {
    this.toolIndex = new Map(this.tools().map((t) => [t.name, t]));
  }

  /**
   * The rug-pull guard: a tool whose definition differs from its pinned one is held back (hidden
   * and uncallable) until approved; definitions that look like they smuggle instructions are flagged.
   */
  private async guardTools(upstreamId: string, tools: CatalogueTool[]): Promise<{ visible: CatalogueTool[]; held: HeldTool[] }> {
    if (!this.guard) return { visible: tools, held: [] };
    const visible: CatalogueTool[] = [];
    const held: HeldTool[] = [];
    for (const tool of tools) {
      const verdict = await this.guard.pins.review(upstreamId, tool.originalName, tool.definition);
      if (verdict.status === 'changed') {
        held.push({ name: tool.name, upstream: upstreamId, reason: 'definition_changed' });
        this.logger.warn('tool definition changed since approval; tool hidden', { upstream: upstreamId, tool: tool.name });
        this.guard.onIncident({ kind: 'definition_changed', upstream: upstreamId, tool: tool.name });
        continue;
      }
      const flags = flagDefinition(tool.definition);
      if (flags.length) {
        this.logger.warn('tool definition looks like it carries hidden instructions', { upstream: upstreamId, tool: tool.name, flags });
        this.guard.onIncident({ kind: 'suspicious_definition', upstream: upstreamId, tool: tool.name, flags });
      }
      visible.push(flags.length ? { ...tool, flags } : tool);
    }
    return { visible, held };
  }

  private namespaceTools(upstream: UpstreamConnection, tools: Record<string, unknown>[]): CatalogueTool[] {
    const taken = new Set(this.tools().filter((t) => t.owner.kind === 'builtin' || t.owner.upstream !== upstream).map((t) => t.name));
    const result: CatalogueTool[] = [];
    for (const tool of tools) {
      const original = tool['name'];
      if (typeof original !== 'string' || original.length === 0 || original.length > 128) continue;
      const name = this.exposedName(upstream.id, original);
      if (taken.has(name)) {
        this.logger.error('tool name collision; upstream tool refused', { upstream: upstream.id, tool: name });
        continue;
      }
      taken.add(name);
      result.push({ name, originalName: original, owner: { kind: 'upstream', upstream }, definition: { ...tool, name } });
    }
    return result;
  }

  private namespacePrompt(upstream: UpstreamConnection, prompt: Record<string, unknown>): CataloguePrompt[] {
    const original = prompt['name'];
    if (typeof original !== 'string' || original.length === 0) return [];
    const name = this.exposedName(upstream.id, original);
    return [{ name, originalName: original, upstream, definition: { ...prompt, name } }];
  }
}
