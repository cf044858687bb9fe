import { randomBytes } from 'node:crypto';
import type { Lock, StateStore } from '@mcpgw/state';
import { chatErrors } from '../errors.js';
import { trimToBudget, type SessionTurn } from './history-budget.js';

/** Format of a session id (server-generated; anything else is refused before the store is asked). */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** A chat session: who owns it, its conversation, and the history replayed to the model. */
export interface ChatSession {
  readonly id: string;
  readonly user: string;
  readonly conversationId: string;
  readonly createdAt: string;
  readonly turns: readonly SessionTurn[];
}

interface StoredSession {
  v: 1;
  user: string;
  conversation_id: string;
  created_at: string;
  updated_at: string;
  turns: SessionTurn[];
}

export interface SessionStoreOptions {
  /** Sliding TTL: every answered message renews it. */
  ttlMs: number;
  /** Estimated tokens of history kept in the session. */
  historyTokenBudget: number;
}

/**
 * Sessions at `session:{session_id}` (JSON, sliding TTL). A session belongs to the user who
 * created it: to anyone else it does not exist. One message per session is answered at a time
 * (lock `session:{id}:lock`), so two replicas never interleave the history of one session.
 */
export class SessionStore {
  constructor(
    private readonly store: StateStore,
    private readonly options: SessionStoreOptions,
  ) {}

  async create(user: string): Promise<ChatSession> {
    const now = new Date().toISOString();
    const session: ChatSession = {
      id: randomBytes(18).toString('base64url'),
      user,
      conversationId: `c_${randomBytes(12).toString('base64url')}`,
      createdAt: now,
      turns: [],
    };
    await this.write(session, now);
    return session;
  }

  /** The caller's session; {@link chatErrors.sessionNotFound} when unknown, expired or not theirs. */
  async get(id: string, user: string): Promise<ChatSession> {
    if (!SESSION_ID_PATTERN.test(id)) throw chatErrors.sessionNotFound();
    const raw = await this.store.get(`session:${id}`);
    const stored = raw ? parse(raw) : undefined;
    if (!stored || stored.user !== user) throw chatErrors.sessionNotFound();
    return { id, user, conversationId: stored.conversation_id, createdAt: stored.created_at, turns: stored.turns };
  }

  /** Takes the session's lock for `ttlMs`; {@link chatErrors.sessionBusy} when another message holds it. */
  async lock(id: string, ttlMs: number): Promise<Lock> {
    const lock = await this.store.acquireLock(`session:${id}:lock`, Math.max(1, Math.ceil(ttlMs)));
    if (!lock) throw chatErrors.sessionBusy();
    return lock;
  }

  /** Appends an answered turn, trims the history to the budget and renews the TTL. */
  async appendTurn(session: ChatSession, turn: SessionTurn): Promise<ChatSession> {
    const updated = { ...session, turns: trimToBudget([...session.turns, turn], this.options.historyTokenBudget) };
    await this.write(updated, turn.at);
    return updated;
  }

  private async write(session: ChatSession, updatedAt: string): Promise<void> {
    const stored: StoredSession = {
      v: 1,
      user: session.user,
      conversation_id: session.conversationId,
      created_at: session.createdAt,
      updated_at: updatedAt,
      turns: [...session.turns],
    };
    await this.store.set(`session:${session.id}`, JSON.stringify(stored), { ttlMs: this.options.ttlMs });
  }
}

function parse(raw: string): StoredSession | undefined {
  try {
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (value.v !== 1 || typeof value.user !== 'string' || !Array.isArray(value.turns)) return undefined;
    return value as StoredSession;
  } catch {
    return undefined;
  }
}
