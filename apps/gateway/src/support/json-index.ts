import type { StateStore } from '@mcpgw/state';

/**
 * A small JSON list kept at one key (ids of API keys, blocked addresses, pending tool changes),
 * for the listings the store cannot produce by scanning. Every rewrite holds the key's lock, so
 * two replicas editing at once never lose each other's change; a lock that stays taken fails the
 * edit instead of writing unlocked.
 */
export class JsonIndex {
  constructor(
    private readonly store: StateStore,
    private readonly key: string,
  ) {}

  async read(): Promise<string[]> {
    const raw = await this.store.get(this.key);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  async update(change: (items: string[]) => string[]): Promise<void> {
    const lock = await this.lock();
    try {
      await this.store.set(this.key, JSON.stringify(change(await this.read())));
    } finally {
      await lock.release();
    }
  }

  private async lock() {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const lock = await this.store.acquireLock(`${this.key}:lock`, 5000);
      if (lock) return lock;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.key} is locked`);
  }
}
