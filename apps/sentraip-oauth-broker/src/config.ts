import Joi from 'joi';
import { envVar, loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const schema = Joi.object({
  ...serviceEnvKeys(8082),
  REDIS_URL: envVar.redisUrl(),
  SENTRAIP_BASE_URL: envVar.httpUrl().default('http://127.0.0.1:8090'),
  SENTRAIP_CLIENT_ID: Joi.string().max(256).pattern(/^[\x21-\x7e]+$/).description('a printable client id'),
  SENTRAIP_CLIENT_SECRET: Joi.string().min(8).max(512).description('a secret of 8-512 characters'),
  BROKER_SERVICE_TOKEN: envVar.serviceToken(),
});

export interface BrokerConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly sentraip: { readonly baseUrl: string; readonly clientId?: string; readonly clientSecret?: string };
  /** Token internal callers (the gateway) must present; unset means every internal call is refused. */
  readonly serviceToken?: string;
}

/** Reads and validates the broker's environment once; throws ConfigError naming each bad variable. */
export function readBrokerConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  const v = loadConfig<Record<string, string | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: v['REDIS_URL'],
    sentraip: Object.freeze({
      baseUrl: String(v['SENTRAIP_BASE_URL']),
      clientId: v['SENTRAIP_CLIENT_ID'],
      clientSecret: v['SENTRAIP_CLIENT_SECRET'],
    }),
    serviceToken: v['BROKER_SERVICE_TOKEN'],
  });
}
