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

/** Per-test store access for the contract suites. */
export interface Stores {
  /** A new store instance with this test's unique prefix (or `keyPrefix`); closed after the test. */
  open(keyPrefix?: string): StateStore;
  /** This test's unique key prefix. */
  readonly prefix: string;
}

/** Registers hooks giving every test a fresh key prefix and closing the stores it opened. */
export function useStores(factory: StoreFactory): Stores {
  const opened: StateStore[] = [];
  let prefix = '';
  beforeEach(() => {
    prefix = `contract:${randomBytes(6).toString('hex')}:`;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
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
  timeoutMs = 2_000,
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
