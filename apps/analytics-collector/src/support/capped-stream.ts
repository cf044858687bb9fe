import type { StateStore } from '@mcpgw/state';

/**
 * A stream that never trims entries its consumer group has not acknowledged. XADD's
 * `MAXLEN ~` trims from the oldest end whatever the group's progress, so the cap is computed
 * per append as "processed entries to keep + entries not yet acknowledged", from two counters:
 * an entry is trimmed only after more than `retainProcessed` later entries were processed.
 * Counter errors only ever overestimate the unprocessed part (the increment comes first), i.e.
 * trim less, never more.
 */
export class CappedStream {
  constructor(
    private readonly store: StateStore,
    readonly stream: string,
    private readonly retainProcessed: number,
  ) {}

  private get appendedKey(): string {
    return `${this.stream}:appended`;
  }

  private get ackedKey(): string {
    return `${this.stream}:acked`;
  }

  async append(fields: Record<string, string>): Promise<string> {
    const appended = await this.store.incrBy(this.appendedKey, 1);
    const acked = Number((await this.store.get(this.ackedKey)) ?? '0');
    const unprocessed = Math.max(0, appended - acked);
    return this.store.streamAppend(this.stream, fields, {
      maxLenApprox: this.retainProcessed + unprocessed,
    });
  }

  /** Records that `count` entries were acknowledged by a consumer. */
  async acknowledged(count: number): Promise<void> {
    if (count > 0) await this.store.incrBy(this.ackedKey, count);
  }

  /** Entries appended but not yet acknowledged (estimate from the counters). */
  async backlog(): Promise<number> {
    const [appended, acked] = await Promise.all([
      this.store.get(this.appendedKey),
      this.store.get(this.ackedKey),
    ]);
    return Math.max(0, Number(appended ?? '0') - Number(acked ?? '0'));
  }
}
