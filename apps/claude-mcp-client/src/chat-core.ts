import type { Registry } from 'prom-client';
import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { KeyVerifier } from './auth/key-verifier.js';
import { ChatService } from './chat/chat-service.js';
import { createAnthropicClient } from './claude/anthropic-client.js';
import { ClaudeModel } from './claude/claude-model.js';
import type { ChatConfig } from './config.js';
import { GatewayTools } from './gateway/gateway-tools.js';
import { ContextGrants } from './history/context-grants.js';
import { ConversationStore } from './history/conversation-store.js';
import { createChatMetrics, type ChatMetrics } from './metrics.js';
import { SessionStore } from './sessions/session-store.js';

type Fetch = (url: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ChatCoreDeps {
  config: ChatConfig;
  logger: Logger;
  registry: Registry;
  store: StateStore;
  /** HTTP client of the Anthropic SDK (tests observe requests through it); default: global fetch. */
  anthropicFetch?: Fetch;
}

/** Everything the chat client's routes use, built once per process. */
export interface ChatCore {
  readonly chat: ChatService;
  readonly gateway: GatewayTools;
  readonly model?: ClaudeModel;
  readonly verifier: KeyVerifier;
  readonly grants: ContextGrants;
  readonly conversations: ConversationStore;
  readonly metrics: ChatMetrics;
  /** Stops the breaker's timers and closes the gateway connection (the store is the caller's). */
  close(): Promise<void>;
}

/** Wires the chat client: stores over the state store, the gateway MCP client, Claude (when a key is set). */
export function createChatCore(deps: ChatCoreDeps): ChatCore {
  const { config, logger, registry, store } = deps;
  const metrics = createChatMetrics(registry);
  const sessions = new SessionStore(store, { ttlMs: config.sessionTtlMs, historyTokenBudget: config.limits.historyTokenBudget });
  const conversations = new ConversationStore(store, config.history);
  const grants = new ContextGrants(store);
  const gateway = new GatewayTools({ url: config.gateway.url, apiKey: config.gateway.apiKey, clientVersion: config.version, logger });
  const model = config.claude.apiKey
    ? new ClaudeModel({
        client: createAnthropicClient({
          apiKey: config.claude.apiKey,
          baseUrl: config.claude.baseUrl,
          maxRetries: config.claude.maxRetries,
          timeoutMs: config.claude.timeoutMs,
          logger,
          fetch: deps.anthropicFetch,
        }),
        model: config.claude.model,
        maxTokens: config.claude.maxTokens,
        breakerResetMs: config.claude.breakerResetMs,
        registry,
        logger,
        metrics,
      })
    : undefined;
  const verifier = new KeyVerifier({ gatewayUrl: config.gateway.url, cacheMs: config.authCacheMs });
  const chat = new ChatService({ config, sessions, conversations, grants, gateway, model, metrics, logger });
  return {
    chat,
    gateway,
    model,
    verifier,
    grants,
    conversations,
    metrics,
    async close() {
      model?.shutdown();
      await gateway.close();
    },
  };
}
