import { fileURLToPath } from 'node:url';
import Joi from 'joi';
import {
  envVar,
  loadConfig,
  serviceBasics,
  serviceEnvKeys,
  type ServiceBasics,
} from '@mcpgw/service-kit';
import { TOKEN_ENDPOINT_MODES, type FaultSettings, type TokenEndpointMode } from './faults.js';

/** The data file shipped with the simulator (resolves from `src/` under tsx and from `dist/`). */
export const DEFAULT_DATA_FILE = fileURLToPath(
  new URL('../data/threat-intel.json', import.meta.url),
);

const schema = Joi.object({
  ...serviceEnvKeys(8090),
  // Dev/test stand-in only: fixed dev credentials keep `nx serve` working out of the box.
  SENTRAIP_CLIENT_ID: Joi.string()
    .max(256)
    .pattern(/^[\x21-\x7e]+$/)
    .default('sentraip-dev-client'),
  SENTRAIP_CLIENT_SECRET: Joi.string()
    .min(8)
    .max(512)
    .default('sentraip-dev-secret')
    .description('a secret of 8-512 characters'),
  SIM_TOKEN_EXPIRES_IN: Joi.number()
    .integer()
    .min(1)
    .max(86_400)
    .default(3600)
    .description('seconds, 1-86400'),
  SIM_RATE_LIMIT_PER_HOUR: Joi.number()
    .integer()
    .min(1)
    .max(100_000_000)
    .default(1000)
    .description('an integer 1-100000000 (threat lookups per client per hour)'),
  SIM_LATENCY_MS: envVar.durationMs(0).max(60_000).description('milliseconds, 0-60000'),
  SIM_ERROR_RATE: Joi.number().min(0).max(1).default(0).description('a probability 0-1'),
  SIM_TOKEN_ENDPOINT: Joi.string()
    .valid(...TOKEN_ENDPOINT_MODES)
    .default('up')
    .description('one of up, down, hang'),
  SIM_RATE_LIMIT_STORM: envVar.bool(false),
  SIM_DATA_FILE: Joi.string().max(4096).description('a path to a threat data JSON file'),
  SIM_ADMIN_TOKEN: envVar.serviceToken(),
});

export interface SimulatorConfig extends ServiceBasics {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenExpiresInSeconds: number;
  /** Fault knobs at start; `POST /_sim/faults` changes them at run time. */
  readonly faults: Readonly<FaultSettings>;
  readonly dataFile: string;
  /** When set, `/_sim/*` requires `Authorization: Bearer <token>`; unset leaves it open (dev/test). */
  readonly adminToken?: string;
}

/** Reads and validates the simulator's environment once; throws ConfigError naming each bad variable. */
export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const v = loadConfig<Record<string, string | number | boolean | undefined>>(schema, env);
  return Object.freeze({
    ...serviceBasics(v, env),
    clientId: String(v['SENTRAIP_CLIENT_ID']),
    clientSecret: String(v['SENTRAIP_CLIENT_SECRET']),
    tokenExpiresInSeconds: Number(v['SIM_TOKEN_EXPIRES_IN']),
    faults: Object.freeze({
      latency_ms: Number(v['SIM_LATENCY_MS']),
      error_rate: Number(v['SIM_ERROR_RATE']),
      token_endpoint: String(v['SIM_TOKEN_ENDPOINT']) as TokenEndpointMode,
      rate_limit_storm: v['SIM_RATE_LIMIT_STORM'] === true,
      rate_limit_per_hour: Number(v['SIM_RATE_LIMIT_PER_HOUR']),
    }),
    dataFile: typeof v['SIM_DATA_FILE'] === 'string' ? v['SIM_DATA_FILE'] : DEFAULT_DATA_FILE,
    adminToken: typeof v['SIM_ADMIN_TOKEN'] === 'string' ? v['SIM_ADMIN_TOKEN'] : undefined,
  });
}
