import type { StateStore } from '@mcpgw/state';
import type { LogThrottle } from '../log-throttle.js';
import type { ThreatTarget } from '../targets/parse-target.js';
import { isValidVerdictData, type VerdictData } from './verdict.js';

/** How long verdicts are fresh, revalidated while served, and kept for degraded answers. */
export interface CachePolicy {
  /** Freshness of a malicious verdict (score ≥ {@link MALICIOUS_SCORE}). */
  maliciousTtlMs: number;
  /** Freshness of any other verdict. */
  cleanTtlMs: number;
  /** After freshness ends: served as `stale` while one background call revalidates it. */
  revalidateMs: number;
  /** After that: kept only to answer `stale` + `degraded` while SentraIP is down. */
  staleKeepMs: number;
}

/** Scores from here (risk `high` and `critical`) count as malicious for the cache TTL. */
export const MALICIOUS_SCORE = 7;

/** One cached verdict at `threat:{type}:{target}`. */
export interface CacheEntry {
  v: 1;
  data: VerdictData;
  fetched_at: number;
  fresh_until: number;
  revalidate_until: number;
}

/** Builds the entry for `data` fetched at `now`. */
export function cacheEntry(data: VerdictData, now: number, policy: CachePolicy): CacheEntry {
  const malicious = (data.threat_score ?? 0) >= MALICIOUS_SCORE;
  const freshUntil = now + (malicious ? policy.maliciousTtlMs : policy.cleanTtlMs);
  return {
    v: 1,
    data,
    fetched_at: now,
    fresh_until: freshUntil,
    revalidate_until: freshUntil + policy.revalidateMs,
  };
}

function parseEntry(raw: string | null): CacheEntry | undefined {
  if (raw === null) return undefined;
  try {
    const entry = JSON.parse(raw) as Partial<CacheEntry>;
    if (
      entry.v === 1 &&
      typeof entry.fetched_at === 'number' &&
      typeof entry.fresh_until === 'number' &&
      typeof entry.revalidate_until === 'number' &&
      isValidVerdictData(entry.data)
    ) {
      return entry as CacheEntry;
    }
  } catch {
    // A corrupt entry is a miss; the next fetch overwrites it.
  }
  return undefined;
}

/**
 * The verdict cache shared by all replicas. Store failures are misses (reads) or no-ops
 * (writes): the cache speeds lookups up and shields SentraIP, but is never a reason to fail one.
 */
export class VerdictCache {
  constructor(
    private readonly store: StateStore,
    private readonly policy: CachePolicy,
    private readonly warn: LogThrottle,
  ) {}

  key(target: ThreatTarget): string {
    return `threat:${target.type}:${target.target}`;
  }

  async read(target: ThreatTarget): Promise<CacheEntry | undefined> {
    try {
      return parseEntry(await this.store.get(this.key(target)));
    } catch (err) {
      this.storeDown('read', err);
      return undefined;
    }
  }

  async write(target: ThreatTarget, data: VerdictData, now = Date.now()): Promise<CacheEntry> {
    const entry = cacheEntry(data, now, this.policy);
    const ttlMs = entry.revalidate_until - now + this.policy.staleKeepMs;
    try {
      await this.store.set(this.key(target), JSON.stringify(entry), { ttlMs });
    } catch (err) {
      this.storeDown('write', err);
    }
    return entry;
  }

  private storeDown(operation: string, err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    this.warn.warn(
      `verdict-cache-${operation}`,
      'verdict cache unavailable, answering without it',
      {
        operation,
        code: typeof code === 'string' ? code : 'unknown',
      },
    );
  }
}
