import { Redis } from 'ioredis';

const SCAN_BATCH = 500;
// SCAN ends when the cursor is back at 0; the bound only guards against a server that never says so.
const MAX_SCAN_ROUNDS = 100_000;

/** Escapes the glob characters of a SCAN MATCH pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Deletes every key starting with `prefix` (a test run's `uniqueTestPrefix`) with SCAN + UNLINK,
 * so a large database is never blocked, and returns how many it deleted. Uses its own
 * short-lived connection.
 */
export async function deleteKeysByPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('refusing to delete every key: empty prefix');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  client.on('error', () => undefined); // the failing command reports it
  try {
    const match = `${globEscape(prefix)}*`;
    let cursor = '0';
    let deleted = 0;
    for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', SCAN_BATCH);
      if (keys.length > 0) deleted += await client.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    return deleted;
  } finally {
    client.disconnect();
  }
}
