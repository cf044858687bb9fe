import Joi from 'joi';
import {
  envVar,
  loadConfig,
  serviceBasics,
  serviceEnvKeys,
  type ServiceBasics,
} from '@mcpgw/service-kit';

const ms = (min: number, max: number, fallback: number) =>
  Joi.number()
    .integer()
    .min(min)
    .max(max)
    .default(fallback)
    .description(`milliseconds, ${min}-${max}`);
const seconds = (min: number, max: number, fallback: number) =>
  Joi.number().integer().min(min).max(max).default(fallback).description(`seconds, ${min}-${max}`);
const count = (min: number, max: number, fallback: number) =>
  Joi.number()
    .integer()
    .min(min)
    .max(max)
    .default(fallback)
    .description(`an integer ${min}-${max}`);

const schema = Joi.object({
  ...serviceEnvKeys(8082),
  REDIS_URL: envVar.redisUrl(),
  SENTRAIP_BASE_URL: envVar.httpUrl().default('http://127.0.0.1:8090'),
  SENTRAIP_CLIENT_ID: Joi.string()
    .max(256)
    .pattern(/^[\x21-\x7e]+$/)
    .description('a printable client id'),
  SENTRAIP_CLIENT_SECRET: Joi.string().min(8).max(512).description('a secret of 8-512 characters'),
  BROKER_SERVICE_TOKEN: envVar.serviceToken(),
  SENTRAIP_TIMEOUT_MS: ms(50, 60_000, 2_000),
  SENTRAIP_MAX_RETRIES: count(0, 5, 2),
  SENTRAIP_MAX_CONCURRENCY: count(1, 1_000, 16),
  SENTRAIP_MAX_QUEUE: count(0, 100_000, 1_000),
  SENTRAIP_BREAKER_RESET_MS: ms(100, 600_000, 30_000),
  BROKER_LOOKUP_TIMEOUT_MS: ms(50, 60_000, 2_500),
  BROKER_TOKEN_REFRESH_AHEAD: envVar.bool(true),
  BROKER_TOKEN_BACKOFF_MS: ms(100, 600_000, 5_000),
  THREAT_CACHE_TTL_MALICIOUS_S: seconds(1, 604_800, 3_600),
  THREAT_CACHE_TTL_CLEAN_S: seconds(1, 604_800, 600),
  THREAT_CACHE_REVALIDATE_S: seconds(0, 86_400, 60),
  THREAT_CACHE_STALE_KEEP_S: seconds(0, 2_592_000, 86_400),
});

export interface BrokerConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly sentraip: {
    readonly baseUrl: string;
    readonly clientId?: string;
    readonly clientSecret?: string;
    /** Budget of one HTTP attempt (token or lookup). */
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly maxConcurrency: number;
    readonly maxQueue: number;
    readonly breakerResetMs: number;
  };
  /** Token internal callers (the gateway) must present; unset means every internal call is refused. */
  readonly serviceToken?: string;
  /** The longest a caller waits for SentraIP before it gets a degraded verdict. */
  readonly lookupTimeoutMs: number;
  readonly token: { readonly refreshAhead: boolean; readonly backoffMs: number };
  readonly cache: {
    readonly maliciousTtlMs: number;
    readonly cleanTtlMs: number;
    readonly revalidateMs: number;
    readonly staleKeepMs: number;
  };
}

/** Reads and validates the broker's environment once; throws ConfigError naming each bad variable. */
export function readBrokerConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const v = loadConfig<Record<string, string | number | boolean | undefined>>(schema, env);
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  const num = (name: string) => Number(v[name]);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: str('REDIS_URL'),
    sentraip: Object.freeze({
      baseUrl: String(v['SENTRAIP_BASE_URL']),
      clientId: str('SENTRAIP_CLIENT_ID'),
      clientSecret: str('SENTRAIP_CLIENT_SECRET'),
      timeoutMs: num('SENTRAIP_TIMEOUT_MS'),
      maxRetries: num('SENTRAIP_MAX_RETRIES'),
      maxConcurrency: num('SENTRAIP_MAX_CONCURRENCY'),
      maxQueue: num('SENTRAIP_MAX_QUEUE'),
      breakerResetMs: num('SENTRAIP_BREAKER_RESET_MS'),
    }),
    serviceToken: str('BROKER_SERVICE_TOKEN'),
    lookupTimeoutMs: num('BROKER_LOOKUP_TIMEOUT_MS'),
    token: Object.freeze({
      refreshAhead: v['BROKER_TOKEN_REFRESH_AHEAD'] === true,
      backoffMs: num('BROKER_TOKEN_BACKOFF_MS'),
    }),
    cache: Object.freeze({
      maliciousTtlMs: num('THREAT_CACHE_TTL_MALICIOUS_S') * 1000,
      cleanTtlMs: num('THREAT_CACHE_TTL_CLEAN_S') * 1000,
      revalidateMs: num('THREAT_CACHE_REVALIDATE_S') * 1000,
      staleKeepMs: num('THREAT_CACHE_STALE_KEEP_S') * 1000,
    }),
  });
}
