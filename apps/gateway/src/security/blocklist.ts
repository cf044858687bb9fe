import { isIP } from 'node:net';
import type { StateStore } from '@mcpgw/state';
import { JsonIndex } from '../support/json-index.js';
import { normaliseIp } from './client-ip.js';

export interface BlockEntry {
  readonly ip: string;
  readonly expiresAt: number;
  readonly reason: string;
}

const CHANNEL = 'blocklist:changed';
const INDEX = 'blocklist:index';

/**
 * The dynamic blocklist shared by all replicas: entries live in the store with a TTL; every change
 * is published, so each replica's in-process copy (the one requests are checked against, with no
 * store round trip) is updated within a second. A periodic reload heals missed messages.
 */
export class DynamicBlocklist {
  private readonly entries = new Map<string, BlockEntry>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  private readonly index: JsonIndex;

  constructor(private readonly store: StateStore) {
    this.index = new JsonIndex(store, INDEX);
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(CHANNEL, (message) => this.apply(message));
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
  }

  isBlocked(ip: string, now = Date.now()): BlockEntry | undefined {
    const entry = this.entries.get(ip);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(ip);
      return undefined;
    }
    return entry;
  }

  list(now = Date.now()): BlockEntry[] {
    return [...this.entries.values()].filter((e) => e.expiresAt > now);
  }

  async add(rawIp: string, ttlSeconds: number, reason: string): Promise<BlockEntry> {
    const ip = normaliseIp(rawIp);
    if (isIP(ip) === 0) throw new Error('not an IP address');
    const entry: BlockEntry = { ip, expiresAt: Date.now() + ttlSeconds * 1000, reason: reason.slice(0, 200) };
    await this.store.set(`blocklist:ip:${ip}`, JSON.stringify(entry), { ttlMs: ttlSeconds * 1000 });
    await this.updateIndex((ips) => [...new Set([...ips, ip])]);
    this.entries.set(ip, entry);
    await this.store.publish(CHANNEL, JSON.stringify({ op: 'add', entry }));
    return entry;
  }

  async remove(rawIp: string): Promise<boolean> {
    const ip = normaliseIp(rawIp);
    const existed = await this.store.delete(`blocklist:ip:${ip}`);
    await this.updateIndex((ips) => ips.filter((x) => x !== ip));
    this.entries.delete(ip);
    await this.store.publish(CHANNEL, JSON.stringify({ op: 'remove', ip }));
    return existed;
  }

  private apply(message: string): void {
    try {
      const change = JSON.parse(message) as { op: string; entry?: BlockEntry; ip?: string };
      if (change.op === 'add' && change.entry && isIP(change.entry.ip)) this.entries.set(change.entry.ip, change.entry);
      if (change.op === 'remove' && change.ip) this.entries.delete(change.ip);
    } catch {
      // a malformed message is ignored; the periodic reload is the source of truth
    }
  }

  private async reload(): Promise<void> {
    const ips = await this.index.read();
    const fresh = new Map<string, BlockEntry>();
    for (const ip of ips) {
      const value = await this.store.get(`blocklist:ip:${ip}`);
      if (value) fresh.set(ip, JSON.parse(value) as BlockEntry);
    }
    this.entries.clear();
    for (const [ip, entry] of fresh) this.entries.set(ip, entry);
  }

  /** Rewrites the index; expired entries leave it as it is rewritten. */
  private updateIndex(change: (ips: string[]) => string[]): Promise<void> {
    const now = Date.now();
    return this.index.update((ips) => change(ips.filter((ip) => (this.entries.get(ip)?.expiresAt ?? now + 1) > now)));
  }
}
