import type { StateStore } from '@mcpgw/state';

/** Options of {@link CappedLog}. */
export interface CappedLogOptions {
  /** Key prefix inside the store, e.g. `audit`. */
  name: string;
  /** Slots in the ring: the log keeps at most this many entries. */
  capacity: number;
  /** Each entry also expires this long after it was written. */
  retentionMs: number;
  /** How long an append's idempotency key is remembered. */
  idempotencyTtlMs: number;
}

/** One page of a newest-first scan. */
export interface LogPage<T> {
  items: Array<{ seq: number; item: T }>;
  /** Pass as `before` to continue; null when the scan reached the oldest kept entry. */
  nextCursor: number | null;
  scanned: number;
}

/** Options of {@link CappedLog.scan}. */
export interface ScanOptions<T> {
  /** Only entries with a sequence number below this (a previous page's `nextCursor`). */
  before?: number;
  limit: number;
  /** Upper bound of entries examined in this call (keeps a filtered scan bounded). */
  maxScan: number;
  match?: (item: T) => boolean;
}

const PAGE = 200;

/**
 * An append-only, capped, newest-first-readable log built from the store's plain keys: a
 * sequence counter and a ring of slot keys (`<name>:s:<seq mod capacity>`), each holding its
 * sequence number so a reader can tell an overwritten slot from its own entry. `@mcpgw/state`
 * has no XRANGE/XREVRANGE, so a Redis stream cannot be paged through; this ring can. Appends
 * with an idempotency key reserve their sequence range once, so a redelivered batch rewrites
 * the same slots instead of adding copies.
 */
export class CappedLog<T> {
  constructor(
    private readonly store: StateStore,
    private readonly options: CappedLogOptions,
  ) {}

  private slot(seq: number): string {
    return `${this.options.name}:s:${seq % this.options.capacity}`;
  }

  private get seqKey(): string {
    return `${this.options.name}:seq`;
  }

  /** Appends `items` in order; returns their sequence numbers. */
  async append(items: readonly T[], idempotencyKey?: string): Promise<number[]> {
    if (items.length === 0) return [];
    const first = await this.reserve(items.length, idempotencyKey);
    const seqs = items.map((_, i) => first + i);
    await Promise.all(
      items.map((item, i) =>
        this.store.set(this.slot(first + i), JSON.stringify({ q: first + i, v: item }), {
          ttlMs: this.options.retentionMs,
        }),
      ),
    );
    return seqs;
  }

  private async reserve(n: number, idempotencyKey: string | undefined): Promise<number> {
    const batchKey = idempotencyKey && `${this.options.name}:b:${idempotencyKey}`;
    if (batchKey) {
      const existing = await this.store.get(batchKey);
      if (existing !== null) return Number(existing);
    }
    const first = (await this.store.incrBy(this.seqKey, n)) - n + 1;
    if (!batchKey) return first;
    const won = await this.store.set(batchKey, String(first), {
      onlyIfAbsent: true,
      ttlMs: this.options.idempotencyTtlMs,
    });
    // Another writer reserved first: use its range (ours stays a hole readers skip).
    return won ? first : Number(await this.store.get(batchKey));
  }

  /** The newest sequence number (0 when empty). */
  async head(): Promise<number> {
    return Number((await this.store.get(this.seqKey)) ?? '0');
  }

  /** Reads entries newest first, filtered, bounded by `limit` matches and `maxScan` entries. */
  async scan(options: ScanOptions<T>): Promise<LogPage<T>> {
    const head = await this.head();
    const oldest = Math.max(1, head - this.options.capacity + 1);
    let next = Math.min(options.before === undefined ? head : options.before - 1, head);
    const items: LogPage<T>['items'] = [];
    let scanned = 0;
    while (next >= oldest && items.length < options.limit && scanned < options.maxScan) {
      const size = Math.min(PAGE, next - oldest + 1, options.maxScan - scanned);
      const seqs = Array.from({ length: size }, (_, i) => next - i);
      const values = await Promise.all(seqs.map((seq) => this.store.get(this.slot(seq))));
      for (let i = 0; i < seqs.length; i++) {
        scanned++;
        next = (seqs[i] as number) - 1;
        const entry = parseEntry<T>(values[i] ?? null);
        if (entry?.q !== seqs[i]) continue;
        if (options.match && !options.match(entry.v)) continue;
        items.push({ seq: entry.q, item: entry.v });
        if (items.length >= options.limit) break;
      }
    }
    return { items, nextCursor: next >= oldest ? next + 1 : null, scanned };
  }
}

function parseEntry<T>(text: string | null): { q: number; v: T } | undefined {
  if (text === null) return undefined;
  try {
    const parsed = JSON.parse(text) as { q?: unknown; v?: unknown };
    return typeof parsed.q === 'number' ? { q: parsed.q, v: parsed.v as T } : undefined;
  } catch {
    return undefined;
  }
}
