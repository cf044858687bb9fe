import Joi from 'joi';
import { envVar, loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const schema = Joi.object({
  ...serviceEnvKeys(8083),
  REDIS_URL: envVar.redisUrl(),
  COLLECTOR_CONFIG: Joi.string().max(4096).description('a path to the collector rules YAML file'),
  COLLECTOR_SERVICE_TOKEN: envVar.serviceToken(),
  GATEWAY_URL: envVar.httpUrl().default('http://127.0.0.1:8080'),
  GATEWAY_SERVICE_TOKEN: envVar.serviceToken(),
});

export interface CollectorConfig extends ServiceBasics {
  readonly redisUrl?: string;
  readonly rulesFile?: string;
  /** Token callers (the gateway's relay, the gateway's analytics tool) must present. */
  readonly serviceToken?: string;
  readonly gateway: { readonly url: string; readonly serviceToken?: string };
}

/** Reads and validates the collector's environment once; throws ConfigError naming each bad variable. */
export function readCollectorConfig(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const v = loadConfig<Record<string, string | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    redisUrl: v['REDIS_URL'],
    rulesFile: v['COLLECTOR_CONFIG'],
    serviceToken: v['COLLECTOR_SERVICE_TOKEN'],
    gateway: Object.freeze({ url: String(v['GATEWAY_URL']), serviceToken: v['GATEWAY_SERVICE_TOKEN'] }),
  });
}
