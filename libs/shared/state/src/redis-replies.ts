import { StoreError } from './errors.js';
import type { StreamEntry } from './state-store.js';

function unexpected(what: string): StoreError {
  return new StoreError('command_error', `unexpected ${what} reply from Redis`);
}

function asArray(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw unexpected(what);
  return raw;
}

/** `[[id, [field, value, ...] | null], ...]`; null fields: the entry was deleted since delivery. */
function parseItems(raw: unknown): Array<{ id: string; fields: Record<string, string> | null }> {
  return asArray(raw, 'stream entries').map((item) => {
    const [id, flat] = asArray(item, 'stream entry');
    if (typeof id !== 'string') throw unexpected('stream entry id');
    if (flat === null) return { id, fields: null };
    const pairs = asArray(flat, 'stream entry fields');
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) fields[String(pairs[i])] = String(pairs[i + 1]);
    return { id, fields };
  });
}

/** Stream entries; those deleted since delivery (null fields) are skipped. */
export function parseEntries(raw: unknown): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const { id, fields } of parseItems(raw)) if (fields) entries.push({ id, fields });
  return entries;
}

/** The entries of an XREADGROUP reply: null (nothing new) or `[[stream, entries]]` for our single stream. */
function readGroupItems(raw: unknown): unknown {
  if (raw === null) return [];
  const [first] = asArray(raw, 'XREADGROUP');
  if (first === undefined) return [];
  return asArray(first, 'XREADGROUP stream')[1];
}

/** XREADGROUP of new entries (`>`). */
export function parseReadGroup(raw: unknown): StreamEntry[] {
  return parseEntries(readGroupItems(raw));
}

/** XREADGROUP of a consumer's pending entries (an id instead of `>`), in reply order. */
export interface PendingReply {
  entries: StreamEntry[];
  /** Ids still pending whose entries were deleted from the stream (replied with null fields). */
  deleted: string[];
  /** How many items the reply held, live or deleted. */
  size: number;
  /** The id of the reply's last item. */
  lastId: string | undefined;
}

/** Parses an XREADGROUP reply of pending entries, keeping the deleted ones apart. */
export function parsePendingRead(raw: unknown): PendingReply {
  const items = parseItems(readGroupItems(raw));
  const reply: PendingReply = { entries: [], deleted: [], size: items.length, lastId: undefined };
  for (const { id, fields } of items) {
    if (fields) reply.entries.push({ id, fields });
    else reply.deleted.push(id);
    reply.lastId = id;
  }
  return reply;
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
