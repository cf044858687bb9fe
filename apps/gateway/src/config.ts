import Joi from 'joi';
import { envVar, loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const schema = Joi.object({
  ...serviceEnvKeys(8080),
  REDIS_URL: envVar.redisUrl(),
  GATEWAY_CONFIG: Joi.string().max(4096).description('a path to the gateway YAML config file'),
  GATEWAY_ADMIN_KEY: envVar.serviceToken(),
  BROKER_URL: envVar.httpUrl().default('http://127.0.0.1:8082'),
  COLLECTOR_URL: envVar.httpUrl().default('http://127.0.0.1:8083'),
  CHAT_URL: envVar.httpUrl().default('http://127.0.0.1:8081'),
  BROKER_SERVICE_TOKEN: envVar.serviceToken(),
  COLLECTOR_SERVICE_TOKEN: envVar.serviceToken(),
  CHAT_SERVICE_TOKEN: envVar.serviceToken(),
  GATEWAY_SERVICE_TOKEN: envVar.serviceToken(),
  GATEWAY_DEV_TOKEN: envVar.serviceToken(),
  GATEWAY_PROVISIONED_KEYS: Joi.string()
    .max(65_536)
    .pattern(/^([A-Za-z0-9_.:-]{1,128}:[A-Za-z0-9_.:+-]{0,512}:[a-f0-9]{64})(\s*,\s*[A-Za-z0-9_.:-]{1,128}:[A-Za-z0-9_.:+-]{0,512}:[a-f0-9]{64})*$/)
    .description('comma-separated <client_id>:<role>+<role>:<sha256 hex of the key>'),
  GATEWAY_BUSY_POLL_US: Joi.number()
    .integer()
    .min(0)
    .max(100_000)
    .default(0)
    .description('a whole number of microseconds, 0-100000 (0: off)'),
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development').description('development, production or test'),
});

export interface GatewayConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly configFile?: string;
  readonly adminKey?: string;
  readonly brokerUrl: string;
  readonly collectorUrl: string;
  readonly chatUrl: string;
  /** Tokens the gateway presents to each callee. */
  readonly outboundTokens: { readonly broker?: string; readonly collector?: string; readonly chat?: string };
  /** Token internal callers (the collector's block actions) present to the gateway. */
  readonly inboundServiceToken?: string;
  /** Development bearer token, honoured only when the config file enables it outside production. */
  readonly devToken?: string;
  /** API keys given to the gateway by hash at start (`GATEWAY_PROVISIONED_KEYS`). */
  readonly provisionedKeys?: string;
  /** How long the event loop keeps polling after each request, in µs; 0 lets it sleep (ADR 0010). */
  readonly busyPollUs: number;
  readonly production: boolean;
}

/** Reads and validates the gateway's environment once; throws ConfigError naming each bad variable. */
export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const v = loadConfig<Record<string, string | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: v['REDIS_URL'],
    configFile: v['GATEWAY_CONFIG'],
    adminKey: v['GATEWAY_ADMIN_KEY'],
    brokerUrl: String(v['BROKER_URL']),
    collectorUrl: String(v['COLLECTOR_URL']),
    chatUrl: String(v['CHAT_URL']),
    outboundTokens: Object.freeze({
      broker: v['BROKER_SERVICE_TOKEN'],
      collector: v['COLLECTOR_SERVICE_TOKEN'],
      chat: v['CHAT_SERVICE_TOKEN'],
    }),
    inboundServiceToken: v['GATEWAY_SERVICE_TOKEN'],
    devToken: v['GATEWAY_DEV_TOKEN'],
    provisionedKeys: v['GATEWAY_PROVISIONED_KEYS'],
    busyPollUs: Number(v['GATEWAY_BUSY_POLL_US']),
    production: v['NODE_ENV'] === 'production',
  });
}

/** Settings of the `gateway:keys` command line (a client of the admin API). */
export interface KeysCliConfig {
  readonly gatewayUrl: string;
  readonly adminKey?: string;
}

const cliSchema = Joi.object({
  GATEWAY_URL: envVar.httpUrl().default('http://127.0.0.1:8080'),
  GATEWAY_ADMIN_KEY: envVar.serviceToken(),
});

/** Reads the keys CLI's environment; throws ConfigError naming each bad variable. */
export function readKeysCliConfig(env: NodeJS.ProcessEnv = process.env): KeysCliConfig {
  const v = loadConfig<Record<string, string | undefined>>(cliSchema, env);
  return { gatewayUrl: String(v['GATEWAY_URL']), adminKey: v['GATEWAY_ADMIN_KEY'] };
}
