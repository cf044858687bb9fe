import Joi from 'joi';
import { envVar, loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const apiKey = () =>
  Joi.string().min(8).max(512).pattern(/^[\x21-\x7e]+$/).description('a printable API key');
const int = (min: number, max: number, fallback: number, unit: string) =>
  Joi.number().integer().min(min).max(max).default(fallback).description(`${unit}, ${min}-${max}`);

/** The default model: Claude Sonnet 5, the speed/intelligence balance a chat over tools wants. */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5';

const schema = Joi.object({
  ...serviceEnvKeys(8081),
  REDIS_URL: envVar.redisUrl(),
  GATEWAY_URL: envVar.httpUrl().default('http://127.0.0.1:8080'),
  CHAT_GATEWAY_API_KEY: apiKey(),
  CHAT_SERVICE_TOKEN: envVar.serviceToken(),
  CLAUDE_API_KEY: apiKey(),
  ANTHROPIC_API_KEY: apiKey(),
  ANTHROPIC_BASE_URL: envVar.httpUrl(),
  CLAUDE_MODEL: Joi.string()
    .pattern(/^[a-z0-9][a-z0-9.:@-]{1,127}$/)
    .default(DEFAULT_CLAUDE_MODEL)
    .description(`a Claude model id such as ${DEFAULT_CLAUDE_MODEL}`),
  CLAUDE_MAX_TOKENS: int(256, 64_000, 4096, 'tokens'),
  CLAUDE_MAX_RETRIES: int(0, 5, 2, 'an integer'),
  CLAUDE_TIMEOUT_MS: int(1000, 600_000, 60_000, 'milliseconds'),
  CLAUDE_BREAKER_RESET_MS: int(1000, 600_000, 30_000, 'milliseconds'),
  CHAT_MAX_MESSAGE_CHARS: int(1, 100_000, 8000, 'characters'),
  CHAT_MAX_TURNS: int(1, 50, 8, 'an integer'),
  CHAT_EXCHANGE_TOKEN_BUDGET: int(1000, 2_000_000, 150_000, 'tokens'),
  CHAT_HISTORY_TOKEN_BUDGET: int(0, 200_000, 8000, 'tokens'),
  CHAT_SESSION_TTL_SECONDS: int(1, 604_800, 3600, 'seconds'),
  CHAT_EXCHANGE_TIMEOUT_MS: int(1000, 1_800_000, 180_000, 'milliseconds'),
  CHAT_TOOL_TIMEOUT_MS: int(100, 600_000, 30_000, 'milliseconds'),
  CHAT_HISTORY_RETENTION_DAYS: int(1, 3650, 30, 'days'),
  CHAT_HISTORY_MAX_EXCHANGES: int(1, 5000, 300, 'an integer'),
  CHAT_AUTH_CACHE_SECONDS: int(0, 3600, 60, 'seconds'),
});

/** Limits of one exchange (one user message and everything done to answer it). */
export interface ChatLimits {
  readonly maxMessageChars: number;
  readonly maxTurns: number;
  /** Input plus output tokens, summed over every model call of one exchange. */
  readonly exchangeTokenBudget: number;
  /** Estimated tokens of earlier exchanges replayed to the model (and kept in the session). */
  readonly historyTokenBudget: number;
  readonly exchangeTimeoutMs: number;
  readonly toolTimeoutMs: number;
}

export interface ChatConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly gateway: { readonly url: string; readonly apiKey?: string };
  /** Token internal callers (the gateway's context-search tool, trusted front ends) must present. */
  readonly serviceToken?: string;
  /** `apiKey` unset: offline mode (deterministic planner, answers marked degraded). */
  readonly claude: {
    readonly apiKey?: string;
    readonly baseUrl?: string;
    readonly model: string;
    readonly maxTokens: number;
    readonly maxRetries: number;
    readonly timeoutMs: number;
    readonly breakerResetMs: number;
  };
  readonly limits: ChatLimits;
  readonly sessionTtlMs: number;
  readonly history: { readonly retentionMs: number; readonly maxExchanges: number };
  /** How long a caller's API key, once verified by the gateway, is trusted without asking again. */
  readonly authCacheMs: number;
}

/** Reads and validates the chat client's environment once; throws ConfigError naming each bad variable. */
export function readChatConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const v = loadConfig<Record<string, string | number | undefined>>(schema, env);
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  const num = (name: string) => Number(v[name]);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: str('REDIS_URL'),
    gateway: Object.freeze({ url: String(v['GATEWAY_URL']).replace(/\/+$/, ''), apiKey: str('CHAT_GATEWAY_API_KEY') }),
    serviceToken: str('CHAT_SERVICE_TOKEN'),
    claude: Object.freeze({
      apiKey: str('CLAUDE_API_KEY') ?? str('ANTHROPIC_API_KEY'),
      baseUrl: str('ANTHROPIC_BASE_URL'),
      model: String(v['CLAUDE_MODEL']),
      maxTokens: num('CLAUDE_MAX_TOKENS'),
      maxRetries: num('CLAUDE_MAX_RETRIES'),
      timeoutMs: num('CLAUDE_TIMEOUT_MS'),
      breakerResetMs: num('CLAUDE_BREAKER_RESET_MS'),
    }),
    limits: Object.freeze({
      maxMessageChars: num('CHAT_MAX_MESSAGE_CHARS'),
      maxTurns: num('CHAT_MAX_TURNS'),
      exchangeTokenBudget: num('CHAT_EXCHANGE_TOKEN_BUDGET'),
      historyTokenBudget: num('CHAT_HISTORY_TOKEN_BUDGET'),
      exchangeTimeoutMs: num('CHAT_EXCHANGE_TIMEOUT_MS'),
      toolTimeoutMs: num('CHAT_TOOL_TIMEOUT_MS'),
    }),
    sessionTtlMs: num('CHAT_SESSION_TTL_SECONDS') * 1000,
    history: Object.freeze({
      retentionMs: num('CHAT_HISTORY_RETENTION_DAYS') * 86_400_000,
      maxExchanges: num('CHAT_HISTORY_MAX_EXCHANGES'),
    }),
    authCacheMs: num('CHAT_AUTH_CACHE_SECONDS') * 1000,
  });
}

const cliSchema = Joi.object({
  CHAT_URL: envVar.httpUrl().default('http://127.0.0.1:8081'),
  CHAT_API_KEY: apiKey(),
  GATEWAY_ADMIN_KEY: apiKey(),
});

/** Settings of the terminal chat (`npm run chat`). */
export interface ChatCliConfig {
  readonly chatUrl: string;
  /** A gateway API key (`CHAT_API_KEY`); the bootstrap admin key is accepted as a development fallback. */
  readonly apiKey?: string;
  readonly apiKeySource?: 'CHAT_API_KEY' | 'GATEWAY_ADMIN_KEY';
}

/** Reads the terminal chat's environment; throws ConfigError naming each bad variable. */
export function readChatCliConfig(env: NodeJS.ProcessEnv = process.env): ChatCliConfig {
  const v = loadConfig<Record<string, string | undefined>>(cliSchema, env);
  const key = v['CHAT_API_KEY'] ?? v['GATEWAY_ADMIN_KEY'];
  return Object.freeze({
    chatUrl: String(v['CHAT_URL']).replace(/\/+$/, ''),
    apiKey: key,
    apiKeySource: v['CHAT_API_KEY'] ? 'CHAT_API_KEY' : key ? 'GATEWAY_ADMIN_KEY' : undefined,
  });
}
