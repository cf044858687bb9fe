import { StoreError } from './errors.js';
import type { StreamEntry } from './state-store.js';

function unexpected(what: string): StoreError {
  return new StoreError('command_error', `unexpected ${what} reply from Redis`);
}

function asArray(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw unexpected(what);
  return raw;
}

/** `[[id, [field, value, ...]], ...]`; entries deleted since delivery (null fields) are skipped. */
export function parseEntries(raw: unknown): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const item of asArray(raw, 'stream entries')) {
    const [id, flat] = asArray(item, 'stream entry');
    if (typeof id !== 'string') throw unexpected('stream entry id');
    if (flat === null) continue;
    const pairs = asArray(flat, 'stream entry fields');
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) fields[String(pairs[i])] = String(pairs[i + 1]);
    entries.push({ id, fields });
  }
  return entries;
}

/** XREADGROUP: null (nothing new) or `[[stream, entries]]` for our single stream. */
export function parseReadGroup(raw: unknown): StreamEntry[] {
  if (raw === null) return [];
  const [first] = asArray(raw, 'XREADGROUP');
  if (first === undefined) return [];
  return parseEntries(asArray(first, 'XREADGROUP stream')[1]);
}

/** XAUTOCLAIM: `[next-cursor, entries, deleted-ids]`. */
export function parseAutoClaim(raw: unknown): StreamEntry[] {
  return parseEntries(asArray(raw, 'XAUTOCLAIM')[1]);
}

/** XPENDING summary form: `[count, smallest-id, greatest-id, consumers]`. */
export function parsePendingCount(raw: unknown): number {
  const count = Number(asArray(raw, 'XPENDING')[0]);
  if (!Number.isFinite(count)) throw unexpected('XPENDING count');
  return count;
}

/** `HGETALL` through `call` arrives flat: `[field, value, ...]`. */
export function parseFlatHash(raw: unknown): Record<string, string> {
  const flat = asArray(raw, 'HGETALL');
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}
