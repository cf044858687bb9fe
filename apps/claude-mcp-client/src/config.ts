import Joi from 'joi';
import { envVar, loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const apiKey = () =>
  Joi.string().min(8).max(512).pattern(/^[\x21-\x7e]+$/).description('a printable API key');

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
    .default('claude-sonnet-4-5')
    .description('a Claude model id such as claude-sonnet-4-5'),
});

export interface ChatConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly gateway: { readonly url: string; readonly apiKey?: string };
  /** Token internal callers (the gateway's context-search tool) must present. */
  readonly serviceToken?: string;
  /** Unset: offline mode (deterministic planner, answers marked degraded). */
  readonly claude: { readonly apiKey?: string; readonly baseUrl?: string; readonly model: string };
}

/** Reads and validates the chat client's environment once; throws ConfigError naming each bad variable. */
export function readChatConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const v = loadConfig<Record<string, string | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: v['REDIS_URL'],
    gateway: Object.freeze({ url: String(v['GATEWAY_URL']), apiKey: v['CHAT_GATEWAY_API_KEY'] }),
    serviceToken: v['CHAT_SERVICE_TOKEN'],
    claude: Object.freeze({
      apiKey: v['CLAUDE_API_KEY'] ?? v['ANTHROPIC_API_KEY'],
      baseUrl: v['ANTHROPIC_BASE_URL'],
      model: String(v['CLAUDE_MODEL']),
    }),
  });
}
