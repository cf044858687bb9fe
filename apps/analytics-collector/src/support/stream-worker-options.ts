import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { StateStore, StreamEntry } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';

/** Options of a `StreamWorker`. */
export interface StreamWorkerOptions {
  store: StateStore;
  stream: string;
  group: string;
  /** This consumer's name; a worker started under a name picks up what that name left pending. */
  consumer: string;
  logger: Logger;
  /** Most entries per read. */
  count: number;
  /** How long a read waits for new entries. */
  blockMs: number;
  /** Pending entries idle this long (their consumer died) are taken over. */
  claimIdleMs: () => number;
  /**
   * Handles entries; returns the ids to acknowledge now. Throwing leaves every entry pending,
   * and they are re-read from this consumer's pending list after a backoff (see `StreamWorker`).
   * An id not returned stays pending: it is retried the same way with `retryUnacknowledged`,
   * otherwise (the handler still works on it, and acknowledges it with `StreamWorker.ack`) it
   * comes back only through the idle claim — or with the start-up re-read, which returns every
   * entry still pending under this consumer name, so a handler working asynchronously should
   * recognise the ones it is still working on. `claimed` is true for entries taken over from
   * another consumer or left by an earlier run under this consumer's name (and for retries of
   * those).
   */
  handle: (entries: StreamEntry[], claimed: boolean) => Promise<readonly string[]>;
  /** The handler returns only the ids it finished; the others failed and are retried. */
  retryUnacknowledged?: boolean;
  /** Entries the handler can take now (back-pressure); default `count`. */
  room?: () => number;
  onAcked?: (count: number) => void;
}

/** A consumer name unique to this process: host, pid and a random suffix. */
export function consumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
