import type { StateStore } from '@mcpgw/state';
import type { ContextSearchResult } from '@mcpgw/tool-schemas';
import { rankBm25 } from './bm25.js';
import { bestSnippet } from './snippet.js';
import { termFrequencies, tokenize } from './tokenize.js';
import { userKey } from './user-key.js';

/** One finished exchange, as appended to its user's conversation store. */
export interface ExchangeRecord {
  readonly conversationId: string;
  readonly userMessage: string;
  readonly response: string;
  readonly tools: readonly string[];
  readonly timestamp: string;
}

interface StoredExchange {
  v: 1;
  seq: number;
  uid: string;
  conversation_id: string;
  user_message: string;
  response: string;
  tools: string[];
  timestamp: string;
  /** The search index entry: term frequencies and length, computed once at write time. */
  tf: Array<[string, number]>;
  length: number;
}

const TEXT_MAX = 4000;

export interface ConversationStoreOptions {
  /** Exchanges kept per user (a ring: the oldest is overwritten). */
  maxExchanges: number;
  /** How long an exchange stays searchable. */
  retentionMs: number;
}

/**
 * Per-user conversation store and its search index. Each user has a ring of `maxExchanges`
 * slots, `history:{uid}:{slot}`, and a counter `history:{uid}:seq`: an append takes the next
 * number with one atomic INCR, so concurrent appends from any replica never overwrite each
 * other and no read-modify-write of a shared index is needed. Each slot holds the exchange and
 * its term frequencies; a search reads the user's slots (in parallel, so one round trip on a
 * pipelined connection) and ranks them with BM25. Nothing is ever read across users.
 */
export class ConversationStore {
  constructor(
    private readonly store: StateStore,
    private readonly options: ConversationStoreOptions,
  ) {}

  async append(user: string, record: ExchangeRecord): Promise<void> {
    const uid = userKey(user);
    const { maxExchanges, retentionMs } = this.options;
    const seq = await this.store.incrBy(`history:${uid}:seq`, 1);
    const userMessage = record.userMessage.slice(0, TEXT_MAX);
    const response = record.response.slice(0, TEXT_MAX);
    const terms = termFrequencies(`${userMessage}\n${response}`);
    const stored: StoredExchange = {
      v: 1,
      seq,
      uid,
      conversation_id: record.conversationId,
      user_message: userMessage,
      response,
      tools: [...record.tools],
      timestamp: record.timestamp,
      tf: [...terms],
      length: [...terms.values()].reduce((sum, n) => sum + n, 0),
    };
    await this.store.set(`history:${uid}:${(seq - 1) % maxExchanges}`, JSON.stringify(stored), { ttlMs: retentionMs });
    // The counter outlives every slot it numbered, so a slot's seq always matches its position.
    await this.store.expire(`history:${uid}:seq`, retentionMs);
  }

  /** The user's stored exchanges, oldest first. */
  async exchanges(user: string): Promise<StoredExchange[]> {
    const uid = userKey(user);
    const { maxExchanges } = this.options;
    const last = Number(await this.store.get(`history:${uid}:seq`)) || 0;
    const first = Math.max(1, last - maxExchanges + 1);
    const seqs = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
    const raw = await Promise.all(seqs.map((seq) => this.store.get(`history:${uid}:${(seq - 1) % maxExchanges}`)));
    return raw.flatMap((text, i) => {
      const parsed = parse(text);
      return parsed && parsed.uid === uid && parsed.seq === seqs[i] ? [parsed] : [];
    });
  }

  /** The user's best passages for `query`, one per conversation, most relevant first. */
  async search(user: string, query: string, limit: number): Promise<ContextSearchResult[]> {
    const terms = tokenize(query, 64);
    if (terms.length === 0) return [];
    const docs = await this.exchanges(user);
    const ranked = rankBm25(terms, docs.map((d) => ({ tf: new Map(d.tf), length: d.length })));
    const seen = new Set<string>();
    const results: ContextSearchResult[] = [];
    for (const { index, score } of ranked) {
      const doc = docs[index];
      if (!doc || seen.has(doc.conversation_id)) continue;
      seen.add(doc.conversation_id);
      results.push({
        conversation_id: doc.conversation_id,
        snippet: bestSnippet(`${doc.user_message}\n${doc.response}`, terms),
        score: Math.round(score * 10_000) / 10_000,
        timestamp: doc.timestamp,
      });
      if (results.length >= limit) break;
    }
    return results;
  }
}

function parse(text: string | null): StoredExchange | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StoredExchange>;
    if (value.v !== 1 || !Array.isArray(value.tf) || typeof value.conversation_id !== 'string') return undefined;
    return value as StoredExchange;
  } catch {
    return undefined;
  }
}
