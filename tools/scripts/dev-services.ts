import { createHash, randomBytes } from 'node:crypto';
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
  /** The chat client's own API key for the gateway (the gateway receives only its hash). */
  CHAT_GATEWAY_API_KEY: string;
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
    CHAT_GATEWAY_API_KEY: pick('CHAT_GATEWAY_API_KEY', () => `mcpgw_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`),
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
        GATEWAY_CONFIG: path.join(root, 'apps/gateway/config/gateway.dev.yaml'),
        GATEWAY_PROVISIONED_KEYS: `claude-mcp-client:analyst:${createHash('sha256').update(secrets.CHAT_GATEWAY_API_KEY).digest('hex')}`,
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
      env: { GATEWAY_URL: gatewayUrl, CHAT_SERVICE_TOKEN: secrets.CHAT_SERVICE_TOKEN, CHAT_GATEWAY_API_KEY: secrets.CHAT_GATEWAY_API_KEY },
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

/** Variables every app may see: process basics and the settings every service shares. */
const COMMON_VARIABLES = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'TZ',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'HOST',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT_MS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
];

/** Variables only some apps need (API keys, Redis credentials, their own config files). */
const APP_VARIABLES: Record<string, readonly string[]> = {
  simulator: ['SIM_TOKEN_EXPIRES_IN', 'SIM_RATE_LIMIT_PER_HOUR', 'SIM_LATENCY_MS', 'SIM_ERROR_RATE', 'SIM_TOKEN_ENDPOINT', 'SIM_RATE_LIMIT_STORM', 'SIM_DATA_FILE', 'SIM_ADMIN_TOKEN'],
  sandbox: ['LOG_CORPUS_DIR', 'LOG_CORPUS_MAX_FILE_BYTES', 'LOG_CORPUS_MAX_TOTAL_BYTES', 'LOG_CORPUS_MAX_FILES', 'LOG_CORPUS_MAX_LINE_CHARS', 'PRIVACY_MAX_TEXT_CHARS'],
  broker: [
    'REDIS_URL', 'SENTRAIP_BASE_URL', 'SENTRAIP_TIMEOUT_MS', 'SENTRAIP_MAX_RETRIES', 'SENTRAIP_MAX_CONCURRENCY', 'SENTRAIP_MAX_QUEUE',
    'SENTRAIP_BREAKER_RESET_MS', 'BROKER_LOOKUP_TIMEOUT_MS', 'BROKER_TOKEN_REFRESH_AHEAD', 'BROKER_TOKEN_BACKOFF_MS',
    'THREAT_CACHE_TTL_MALICIOUS_S', 'THREAT_CACHE_TTL_CLEAN_S', 'THREAT_CACHE_REVALIDATE_S', 'THREAT_CACHE_STALE_KEEP_S',
  ],
  collector: [
    'REDIS_URL', 'COLLECTOR_CONFIG', 'COLLECTOR_MAX_BATCH_EVENTS', 'COLLECTOR_MAX_BATCH_BYTES', 'COLLECTOR_RATE_LIMIT_EVENTS_PER_SECOND',
    'COLLECTOR_RATE_LIMIT_BURST', 'COLLECTOR_DEDUP_WINDOW_SECONDS', 'COLLECTOR_LATE_EVENT_SECONDS', 'COLLECTOR_AUDIT_MAX_EVENTS',
    'COLLECTOR_AUDIT_RETENTION_SECONDS', 'COLLECTOR_CLAIM_IDLE_MS', 'COLLECTOR_RULES_POLL_MS',
  ],
  gateway: ['REDIS_URL', 'GATEWAY_CONFIG', 'GATEWAY_DEV_TOKEN', 'NODE_ENV'],
  chat: [
    'REDIS_URL', 'CLAUDE_API_KEY', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'CLAUDE_MODEL', 'CLAUDE_MAX_TOKENS', 'CLAUDE_MAX_RETRIES',
    'CLAUDE_TIMEOUT_MS', 'CLAUDE_BREAKER_RESET_MS', 'CHAT_MAX_MESSAGE_CHARS', 'CHAT_MAX_TURNS', 'CHAT_EXCHANGE_TOKEN_BUDGET',
    'CHAT_HISTORY_TOKEN_BUDGET', 'CHAT_SESSION_TTL_SECONDS', 'CHAT_EXCHANGE_TIMEOUT_MS', 'CHAT_TOOL_TIMEOUT_MS',
    'CHAT_HISTORY_RETENTION_DAYS', 'CHAT_HISTORY_MAX_EXCHANGES', 'CHAT_AUTH_CACHE_SECONDS',
  ],
};

/**
 * The environment of one app: an allow-list taken from the caller's environment (never the
 * whole of it, so no app sees another's credentials), then the app's own defaults and secrets.
 */
export function appEnv(service: DevService, env: NodeJS.ProcessEnv): Record<string, string> {
  const allowed = [...COMMON_VARIABLES, ...(APP_VARIABLES[service.name] ?? [])];
  const inherited = Object.fromEntries(
    allowed.flatMap((name) => (env[name] ? [[name, env[name] as string]] : [])),
  );
  return { ...service.env, ...inherited, ...secretsOf(service), PORT: String(service.port) };
}

/** Secrets always come from `devServices` (which already preferred the environment's values). */
function secretsOf(service: DevService): Record<string, string> {
  return Object.fromEntries(Object.entries(service.env).filter(([name]) => /TOKEN|SECRET|KEY|CLIENT_ID/.test(name)));
}

/**
 * concurrently merges the parent's environment into every child's, so `npm start` first narrows
 * its own environment to the common allow-list; each app then gets its extra variables explicitly.
 */
export function commonEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(COMMON_VARIABLES.flatMap((name) => (env[name] ? [[name, env[name] as string]] : [])));
}

/** The command every app runs under `npm start` (from source, as `nx serve` does). */
export const APP_COMMAND = 'node --enable-source-maps --conditions=@mcpgw/source --import tsx src/main.ts';
