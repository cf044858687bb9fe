import Joi from 'joi';
import { loadConfig, serviceBasics, serviceEnvKeys, type ServiceBasics } from '@mcpgw/service-kit';

const schema = Joi.object({
  ...serviceEnvKeys(8090),
  // Dev/test stand-in only: fixed dev credentials keep `nx serve` working out of the box.
  SENTRAIP_CLIENT_ID: Joi.string().max(256).pattern(/^[\x21-\x7e]+$/).default('sentraip-dev-client'),
  SENTRAIP_CLIENT_SECRET: Joi.string().min(8).max(512).default('sentraip-dev-secret').description('a secret of 8-512 characters'),
  SIM_TOKEN_EXPIRES_IN: Joi.number().integer().min(1).max(86_400).default(3600).description('seconds, 1-86400'),
});

export interface SimulatorConfig extends ServiceBasics {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenExpiresInSeconds: number;
}

/** Reads and validates the simulator's environment once; throws ConfigError naming each bad variable. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const v = loadConfig<Record<string, string | number | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    clientId: String(v['SENTRAIP_CLIENT_ID']),
    clientSecret: String(v['SENTRAIP_CLIENT_SECRET']),
    tokenExpiresInSeconds: Number(v['SIM_TOKEN_EXPIRES_IN']),
  });
}
