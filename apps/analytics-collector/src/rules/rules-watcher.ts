import { createHash } from 'node:crypto';
import { readFile, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '@mcpgw/telemetry';
import type { CollectorMetrics } from '../collector-metrics.js';
import { RulesInvalidError } from '../errors.js';
import type { RuleSet } from './compile-rules.js';
import { parseRules } from './rules-loader.js';

/** Read access to the active rules. */
export interface RulesProvider {
  current(): RuleSet;
  /** The last failed reload's problems (cleared by a good one). */
  lastError(): readonly string[] | undefined;
}

/**
 * Holds the active rule set and reloads it when the file changes (polled with `fs.watchFile`,
 * which also sees Kubernetes ConfigMap symlink swaps). A reload that fails keeps the last good
 * rules and logs every problem; listeners hear about good reloads only.
 */
export class RulesWatcher implements RulesProvider {
  private active: RuleSet;
  private error: readonly string[] | undefined;
  private contentHash: string | undefined;
  private readonly listeners = new Set<(rules: RuleSet) => void>();
  private watching = false;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    initial: RuleSet,
    private readonly file: string | undefined,
    private readonly pollMs: number,
    private readonly logger: Logger,
    private readonly metrics: CollectorMetrics,
  ) {
    this.active = initial;
  }

  current(): RuleSet {
    return this.active;
  }

  lastError(): readonly string[] | undefined {
    return this.error;
  }

  /** Calls `listener` after each good reload. */
  onChange(listener: (rules: RuleSet) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (!this.file || this.watching) return;
    this.watching = true;
    watchFile(
      this.file,
      { interval: this.pollMs, persistent: false },
      (curr: Stats, prev: Stats) => {
        if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size || curr.ino !== prev.ino)
          void this.reload();
      },
    );
  }

  stop(): void {
    if (this.file && this.watching) unwatchFile(this.file);
    this.watching = false;
  }

  /** Re-reads the file now; resolves when the attempt is over (serialised). */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadNow());
    return this.reloading;
  }

  private async reloadNow(): Promise<void> {
    const file = this.file;
    if (!file) return;
    const text = await new Promise<string | Error>((resolve) =>
      readFile(file, 'utf8', (err, data) => resolve(err ?? data)),
    );
    if (text instanceof Error) {
      this.reject([`cannot read the file (${(text as NodeJS.ErrnoException).code ?? 'error'})`]);
      return;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.contentHash && this.error === undefined) return;
    try {
      const next = parseRules(text, file);
      this.contentHash = hash;
      if (next.version === this.active.version) return;
      this.active = next;
      this.error = undefined;
      this.metrics.rulesReloads.inc({ outcome: 'ok' });
      this.logger.info('rules reloaded', { version: next.version, rules: next.rules.length });
      for (const listener of this.listeners) listener(next);
    } catch (err) {
      this.contentHash = hash;
      if (!(err instanceof RulesInvalidError)) throw err;
      this.reject(err.problems);
    }
  }

  private reject(problems: readonly string[]): void {
    this.error = problems;
    this.metrics.rulesReloads.inc({ outcome: 'invalid' });
    this.logger.error('rules reload failed; keeping the last good rules', {
      version: this.active.version,
      problems,
    });
  }
}
