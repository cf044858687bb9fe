import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** One app as `npm start` runs it: from source through tsx, on its default port. */
export interface DevService {
  readonly name: string;
  readonly color: string;
  readonly port: number;
  /** Variables this app receives beyond the shared environment. */
  readonly env: Record<string, string>;
}

/** Secrets the system needs; generated per run when the environment does not set them. */
export interface DevSecrets {
  GATEWAY_ADMIN_KEY: string;
  BROKER_SERVICE_TOKEN: string;
  COLLECTOR_SERVICE_TOKEN: string;
  CHAT_SERVICE_TOKEN: string;
  GATEWAY_SERVICE_TOKEN: string;
  SENTRAIP_CLIENT_ID: string;
  SENTRAIP_CLIENT_SECRET: string;
}

const token = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

/** Takes each secret from the environment when set, generates it otherwise, and says which. */
export function resolveSecrets(env: NodeJS.ProcessEnv): { secrets: DevSecrets; generated: string[] } {
  const generated: string[] = [];
  const pick = (name: keyof DevSecrets, make: () => string): string => {
    const value = env[name];
    if (value) return value;
    generated.push(name);
    return make();
  };
  const secrets: DevSecrets = {
    GATEWAY_ADMIN_KEY: pick('GATEWAY_ADMIN_KEY', () => token('mcpgw_admin_')),
    BROKER_SERVICE_TOKEN: pick('BROKER_SERVICE_TOKEN', () => token('svc_')),
    COLLECTOR_SERVICE_TOKEN: pick('COLLECTOR_SERVICE_TOKEN', () => token('svc_')),
    CHAT_SERVICE_TOKEN: pick('CHAT_SERVICE_TOKEN', () => token('svc_')),
    GATEWAY_SERVICE_TOKEN: pick('GATEWAY_SERVICE_TOKEN', () => token('svc_')),
    SENTRAIP_CLIENT_ID: pick('SENTRAIP_CLIENT_ID', () => 'sentraip-local-client'),
    SENTRAIP_CLIENT_SECRET: pick('SENTRAIP_CLIENT_SECRET', () => token('')),
  };
  return { secrets, generated };
}

/**
 * The six processes and, for each, exactly the secrets it needs: a callee gets its own service
 * token to check, a caller the tokens of the services it calls, nobody gets the rest.
 */
export function devServices(secrets: DevSecrets, root: string): DevService[] {
  const gatewayUrl = 'http://127.0.0.1:8080';
  return [
    {
      name: 'simulator',
      color: 'gray',
      port: 8090,
      env: { SENTRAIP_CLIENT_ID: secrets.SENTRAIP_CLIENT_ID, SENTRAIP_CLIENT_SECRET: secrets.SENTRAIP_CLIENT_SECRET },
    },
    {
      name: 'sandbox',
      color: 'magenta',
      port: 8091,
      env: { LOG_CORPUS_DIR: path.join(root, 'apps/sandbox-log-analysis/corpus') },
    },
    {
      name: 'broker',
      color: 'yellow',
      port: 8082,
      env: {
        SENTRAIP_BASE_URL: 'http://127.0.0.1:8090',
        SENTRAIP_CLIENT_ID: secrets.SENTRAIP_CLIENT_ID,
        SENTRAIP_CLIENT_SECRET: secrets.SENTRAIP_CLIENT_SECRET,
        BROKER_SERVICE_TOKEN: secrets.BROKER_SERVICE_TOKEN,
      },
    },
    {
      name: 'collector',
      color: 'green',
      port: 8083,
      env: {
        COLLECTOR_SERVICE_TOKEN: secrets.COLLECTOR_SERVICE_TOKEN,
        GATEWAY_URL: gatewayUrl,
        GATEWAY_SERVICE_TOKEN: secrets.GATEWAY_SERVICE_TOKEN,
      },
    },
    {
      name: 'gateway',
      color: 'cyan',
      port: 8080,
      env: {
        GATEWAY_ADMIN_KEY: secrets.GATEWAY_ADMIN_KEY,
        BROKER_URL: 'http://127.0.0.1:8082',
        COLLECTOR_URL: 'http://127.0.0.1:8083',
        CHAT_URL: 'http://127.0.0.1:8081',
        BROKER_SERVICE_TOKEN: secrets.BROKER_SERVICE_TOKEN,
        COLLECTOR_SERVICE_TOKEN: secrets.COLLECTOR_SERVICE_TOKEN,
        CHAT_SERVICE_TOKEN: secrets.CHAT_SERVICE_TOKEN,
        GATEWAY_SERVICE_TOKEN: secrets.GATEWAY_SERVICE_TOKEN,
      },
    },
    {
      name: 'chat',
      color: 'blue',
      port: 8081,
      env: { GATEWAY_URL: gatewayUrl, CHAT_SERVICE_TOKEN: secrets.CHAT_SERVICE_TOKEN },
    },
  ];
}

/** Maps the short process name to the app folder. */
export const APP_DIRS: Record<string, string> = {
  simulator: 'apps/sentraip-simulator',
  sandbox: 'apps/sandbox-log-analysis',
  broker: 'apps/sentraip-oauth-broker',
  collector: 'apps/analytics-collector',
  gateway: 'apps/gateway',
  chat: 'apps/claude-mcp-client',
};

/** Environment shared by all apps: the caller's, minus every secret (each app gets only its own). */
export function sharedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const secretNames = new Set<string>([
    'GATEWAY_ADMIN_KEY',
    'BROKER_SERVICE_TOKEN',
    'COLLECTOR_SERVICE_TOKEN',
    'CHAT_SERVICE_TOKEN',
    'GATEWAY_SERVICE_TOKEN',
    'SENTRAIP_CLIENT_ID',
    'SENTRAIP_CLIENT_SECRET',
    'PORT',
  ]);
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !secretNames.has(e[0])),
  );
}
