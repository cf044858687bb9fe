import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect } from 'vitest';
import { StateStoreError } from '../errors.js';
import type { StateStore } from '../state-store.js';

/**
 * Creates a store instance on the implementation's shared backend: two calls give two
 * "processes" that see the same data (same Redis server, or same memory backend).
 */
export type StoreFactory = (keyPrefix: string) => StateStore;

/**
 * A key prefix no other test run uses, e.g. `mcpgw-test:contract:3f9a0c1b2d4e:`. Tests may run
 * against a developer's `REDIS_URL`, so every key they write starts with one of these and is
 * deleted by prefix in teardown.
 */
export function uniqueTestPrefix(scope: string): string {
  return `mcpgw-test:${scope}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes what a test wrote under `prefix` (every key it writes starts with it). */
export type PrefixCleanup = (prefix: string) => Promise<unknown>;

/**
 * A TTL long enough that the few commands a test runs before checking that the key is still
 * there finish within it, even on a loaded 2-core machine.
 */
export const SHORT_TTL_MS = 500;
/** A sleep after which a {@link SHORT_TTL_MS} key has expired; a late timer only makes it truer. */
export const PAST_SHORT_TTL_MS = SHORT_TTL_MS + 100;

/** Per-test store access for the contract suites. */
export interface Stores {
  /** A new store instance with this test's unique prefix (or `keyPrefix`); closed after the test. */
  open(keyPrefix?: string): StateStore;
  /** This test's unique key prefix. */
  readonly prefix: string;
}

/**
 * Registers hooks giving every test a fresh key prefix, closing the stores it opened and then
 * deleting its keys with `cleanup` (so a shared Redis is left as it was found).
 */
export function useStores(factory: StoreFactory, cleanup?: PrefixCleanup): Stores {
  const opened: StateStore[] = [];
  let prefix = '';
  beforeEach(() => {
    prefix = uniqueTestPrefix('contract');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await cleanup?.(prefix);
  });
  return {
    open(keyPrefix = prefix) {
      const store = factory(keyPrefix);
      opened.push(store);
      return store;
    },
    get prefix() {
      return prefix;
    },
  };
}

/** Polls `check` until it passes or `timeoutMs` elapses (then its last failure is thrown). */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(10);
    }
  }
}

/** Asserts that `promise` rejects with a state-store error of `code` and `reason`. */
export async function expectStoreError(
  promise: Promise<unknown>,
  code: string,
  reason: string,
): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StateStoreError);
  expect(err).toMatchObject({ code, reason });
}
