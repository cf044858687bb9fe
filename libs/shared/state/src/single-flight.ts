import { setTimeout as sleep } from 'node:timers/promises';
import { StoreWaitTimeoutError } from './errors.js';
import type { Lock, SetOptions, SingleFlightOptions } from './state-store.js';
import { checkTtl } from './validate.js';

/** The store operations single-flight is built from (both implementations provide them). */
export interface SingleFlightStore {
  acquireLock(key: string, ttlMs: number): Promise<Lock | null>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
}

const DEFAULTS = { lockTtlMs: 10_000, waitTimeoutMs: 10_000, resultTtlMs: 5_000 } as const;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/** Keys of one flight; the hash tag keeps lock and result in one Redis Cluster slot. */
export function singleFlightKeys(key: string): { lock: string; result: string } {
  return { lock: `sf:{${key}}:lock`, result: `sf:{${key}}:result` };
}

/**
 * Coalesces concurrent runs of the same key: in-process through one shared promise per key,
 * across processes through a store lock and a short-lived result key (see
 * `StateStore.singleFlight` for the contract).
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly store: SingleFlightStore) {}

  run<T>(key: string, fn: () => Promise<T>, options: SingleFlightOptions = {}): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing as Promise<T>;
    const settings = {
      lockTtlMs: checkTtl(options.lockTtlMs ?? DEFAULTS.lockTtlMs, 'lockTtlMs'),
      waitTimeoutMs: checkTtl(options.waitTimeoutMs ?? DEFAULTS.waitTimeoutMs, 'waitTimeoutMs'),
      resultTtlMs: checkTtl(options.resultTtlMs ?? DEFAULTS.resultTtlMs, 'resultTtlMs'),
    };
    const flight = this.coordinate(key, fn, settings).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }

  private async coordinate<T>(
    key: string,
    fn: () => Promise<T>,
    settings: Required<SingleFlightOptions>,
  ): Promise<T> {
    const keys = singleFlightKeys(key);
    const deadline = Date.now() + settings.waitTimeoutMs;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const lock = await this.store.acquireLock(keys.lock, settings.lockTtlMs);
      if (lock) return this.runAsWinner(lock, keys.result, fn, settings.resultTtlMs);
      const published = await this.readResult<T>(keys.result);
      if (published) return published.value;
      const left = deadline - Date.now();
      if (left <= 0) throw new StoreWaitTimeoutError(key, settings.waitTimeoutMs);
      await sleep(Math.min(pollMs, left));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }

  private async runAsWinner<T>(
    lock: Lock,
    resultKey: string,
    fn: () => Promise<T>,
    resultTtlMs: number,
  ): Promise<T> {
    try {
      // The previous winner may have published and released between our last poll and our lock.
      const published = await this.readResult<T>(resultKey);
      if (published) return published.value;
      const value = await fn();
      try {
        await this.store.set(resultKey, JSON.stringify({ value }), { ttlMs: resultTtlMs });
      } catch {
        // Our caller has its value; waiters that miss the result take the lock and run fn.
      }
      return value;
    } finally {
      // A failed release leaves the lock to expire by its TTL, which is the designed fallback.
      await lock.release().catch(() => false);
    }
  }

  private async readResult<T>(resultKey: string): Promise<{ value: T } | undefined> {
    const raw = await this.store.get(resultKey);
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as { value?: T };
    return { value: parsed.value as T };
  }
}
