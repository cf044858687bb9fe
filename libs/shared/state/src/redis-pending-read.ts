import type { RedisConnection } from './redis-connection.js';
import { parsePendingRead } from './redis-replies.js';
import type { StreamEntry } from './state-store.js';

/** What {@link readPending} reads: one consumer's pending entries of one stream (a full key). */
export interface PendingReadTarget {
  key: string;
  group: string;
  consumer: string;
}

/**
 * Up to `count` live pending entries of `target.consumer` above `after`, with `XREADGROUP … <id>`.
 * Redis replies an entry deleted (trimmed) while pending with null fields and leaves it pending
 * until an idle claim drops it: such ids are acknowledged (removed, as XAUTOCLAIM would), and the
 * read goes on past them so `count` counts live entries, like the memory store. Not atomic, and
 * need not be: acknowledging a deleted entry twice is a no-op.
 */
export async function readPending(
  main: RedisConnection,
  target: PendingReadTarget,
  after: string,
  count: number,
): Promise<StreamEntry[]> {
  const { key, group, consumer } = target;
  const entries: StreamEntry[] = [];
  let cursor = after;
  // Each round moves the cursor past `want` items of a finite pending list, so this ends.
  for (;;) {
    const want = count - entries.length;
    const reply = parsePendingRead(
      await main.run((c) =>
        c.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want, 'STREAMS', key, cursor),
      ),
    );
    entries.push(...reply.entries);
    if (reply.deleted.length > 0)
      await main.run((c) => c.call('XACK', key, group, ...reply.deleted));
    if (reply.deleted.length === 0 || reply.size < want || reply.lastId === undefined)
      return entries;
    cursor = reply.lastId;
  }
}
