import { createHash } from 'node:crypto';

/**
 * The key segment of a user in Redis: a hash, so user ids of any shape (and key-derived ones)
 * never appear in key names, and two users can only share a segment by a SHA-256 collision.
 */
export function userKey(user: string): string {
  return createHash('sha256').update(`chat-user:${user}`, 'utf8').digest('hex').slice(0, 32);
}
