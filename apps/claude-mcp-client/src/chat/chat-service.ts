import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { Lock } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import type { ChatConfig } from '../config.js';
import { chatErrors, ExchangeCancelledError } from '../errors.js';
import type { GatewayTools } from '../gateway/gateway-tools.js';
import { withGatewayGrant } from '../gateway/request-scope.js';
import type { ContextGrants } from '../history/context-grants.js';
import type { ConversationStore } from '../history/conversation-store.js';
import type { ChatMetrics, ExchangeOutcome } from '../metrics.js';
import { trimToBudget } from '../sessions/history-budget.js';
import type { ChatSession, SessionStore } from '../sessions/session-store.js';
import type { ChatModel } from '../claude/claude-model.js';
import { answerExchange, type AnswerDeps } from './answer.js';
import type { ChatCaller, ChatResponse, Emit } from './chat-types.js';
import { LoopLimitError } from './tool-loop.js';
import { toRecord } from './tool-runner.js';

export interface ChatServiceDeps {
  config: ChatConfig;
  sessions: SessionStore;
  conversations: ConversationStore;
  grants: ContextGrants;
  gateway: GatewayTools;
  /** Undefined without an API key: every answer comes from the offline planner. */
  model?: ChatModel;
  metrics: ChatMetrics;
  logger: Logger;
}

/** A session taken for one message: validated, owned by the caller, and locked. */
export interface OpenExchange {
  readonly caller: ChatCaller;
  readonly session: ChatSession;
  readonly lock: Lock;
}

/**
 * One message, end to end: the caller's session (created or resumed, locked), a context grant
 * for the exchange, the answer (Claude's tool-use loop, or the offline planner), then the turn
 * appended to the session and the per-user conversation store. Cancellation (client gone or the
 * exchange deadline) stops the model and the tools and stores nothing.
 */
export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  /** Validates and locks the session before anything is streamed, so its errors are plain HTTP errors. */
  async open(caller: ChatCaller, sessionId: string | undefined): Promise<OpenExchange> {
    const { sessions, config } = this.deps;
    // Ownership is checked before locking (nobody may hold another's session), and the session
    // is read again under the lock: an exchange that ended in between appended its turn.
    const owned = sessionId ? await sessions.get(sessionId, caller.user) : await sessions.create(caller.user);
    const lock = await sessions.lock(owned.id, config.limits.exchangeTimeoutMs + 5000);
    if (!sessionId) return { caller, session: owned, lock };
    try {
      return { caller, session: await sessions.get(owned.id, caller.user), lock };
    } catch (err) {
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  /** Answers `message` in the opened session; always releases the session lock. */
  async answer(open: OpenExchange, message: string, options: { signal: AbortSignal; emit: Emit; endpoint: 'chat' | 'chat_stream' }): Promise<ChatResponse> {
    const { config, grants, metrics, logger } = this.deps;
    const started = performance.now();
    const deadline = AbortSignal.timeout(config.limits.exchangeTimeoutMs);
    const signal = AbortSignal.any([options.signal, deadline]);
    let outcome: ExchangeOutcome = 'error';
    let grant: string | undefined;
    try {
      grant = await grants.issue(open.caller.user, config.limits.exchangeTimeoutMs + 5000);
      const response = await withGatewayGrant(grant, () => this.produce(open, message, signal, options.emit));
      outcome = response.degraded ? 'degraded' : 'ok';
      return response;
    } catch (err) {
      if (signal.aborted) {
        outcome = 'cancelled';
        throw new ExchangeCancelledError(deadline.aborted && !options.signal.aborted ? 'deadline' : 'client_closed', { cause: err });
      }
      if (err instanceof LoopLimitError) {
        outcome = 'loop_limit';
        throw chatErrors.toolLoopLimit(err.why, {
          session_id: open.session.id,
          turns: err.state.turns,
          partial_response: err.state.text,
          tools_called: err.state.runs.map(toRecord),
        });
      }
      throw err;
    } finally {
      metrics.exchangeDuration.observe({ endpoint: options.endpoint, outcome }, (performance.now() - started) / 1000);
      logger.info('chat exchange', {
        endpoint: options.endpoint,
        caller: open.caller.kind,
        conversation_id: open.session.conversationId,
        outcome,
        duration_ms: Math.round(performance.now() - started),
      });
      if (grant) await grants.revoke(grant).catch((err: unknown) => logger.warn('context grant not revoked', { err }));
      await open.lock.release().catch((err: unknown) => logger.warn('session lock not released', { err }));
    }
  }

  private async produce(open: OpenExchange, message: string, signal: AbortSignal, emit: Emit): Promise<ChatResponse> {
    const { session } = open;
    emit({ type: 'session', session_id: session.id, conversation_id: session.conversationId });
    const history = trimToBudget(session.turns, this.deps.config.limits.historyTokenBudget);
    const answerDeps: AnswerDeps = { ...this.deps, limits: this.deps.config.limits };
    const answer = await answerExchange(answerDeps, { message, history: toMessages(history), signal, emit });
    if (signal.aborted) throw signal.reason;
    const timestamp = new Date().toISOString();
    const historySaved = await this.persist(open, message, answer.text, answer.runs.map((r) => r.call.name), timestamp);
    return {
      response: answer.text,
      tools_called: answer.runs.map(toRecord),
      context: {
        conversation_id: session.conversationId,
        model: answer.model,
        turns: answer.turns,
        stop_reason: answer.stopReason,
        usage: answer.usage,
        history_turns: history.length,
        ...(answer.degradedReason ? { degraded_reason: answer.degradedReason } : {}),
        history_saved: historySaved,
      },
      timestamp,
      session_id: session.id,
      degraded: answer.degradedReason !== undefined,
    };
  }

  /** The answer is worth more than its history: a store failure is logged and reported, not thrown. */
  private async persist(open: OpenExchange, message: string, response: string, tools: string[], at: string): Promise<boolean> {
    try {
      await this.deps.sessions.appendTurn(open.session, { user: message, assistant: response, at });
      await this.deps.conversations.append(open.caller.user, {
        conversationId: open.session.conversationId,
        userMessage: message,
        response,
        tools,
        timestamp: at,
      });
      return true;
    } catch (err) {
      this.deps.logger.error('chat history not saved', { err, conversation_id: open.session.conversationId });
      return false;
    }
  }
}

function toMessages(turns: ChatSession['turns']): MessageParam[] {
  return turns.flatMap((t): MessageParam[] => [
    { role: 'user', content: t.user },
    // The API refuses empty or blank content; such an answer is rare (a model that only called tools).
    { role: 'assistant', content: /\S/.test(t.assistant) ? t.assistant : '(no answer)' },
  ]);
}
