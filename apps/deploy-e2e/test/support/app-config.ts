import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, readText } from './repo.js';

/** What a service's config.ts says about one environment variable. */
export interface EnvKey {
  readonly name: string;
  readonly required: boolean;
  /** The schema's default points at a loopback address: a deployment must override it. */
  readonly loopbackDefault: boolean;
}

/** Variables of serviceEnvKeys() (libs/shared/service-kit) that every schema spreads in. */
const SERVICE_KEYS = ['HOST', 'PORT', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS', 'SERVICE_VERSION'];
/** Read outside the joi schema by every service (telemetry settings warn instead of failing). */
export const TELEMETRY_KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT'];
/** Node runtime variables a deployment may set without the service's schema knowing them. */
export const RUNTIME_KEYS = ['NODE_ENV', 'NODE_OPTIONS'];

/**
 * Credentials a deployment may leave unset because the service has a safe mode without them:
 * the chat client answers offline without an Anthropic key; the dev token is refused in
 * production; the simulator's admin API is dev-only.
 */
export const OPTIONAL_CREDENTIALS = new Set([
  'CLAUDE_API_KEY',
  'ANTHROPIC_API_KEY',
  'GATEWAY_DEV_TOKEN',
  'SIM_ADMIN_TOKEN',
]);

const CREDENTIAL = /(TOKEN|SECRET|_KEY|_KEYS|CLIENT_ID)$/;

/** The keys of `apps/<app>/src/config.ts`'s joi schema, parsed from the source. */
export function readEnvKeys(app: string): EnvKey[] {
  const source = readText(`apps/${app}/src/config.ts`);
  const start = source.indexOf('const schema = Joi.object({');
  const end = source.indexOf('\n});', start);
  if (start < 0 || end < 0)
    throw new Error(`apps/${app}/src/config.ts: no "const schema = Joi.object({ ... });"`);
  const body = source.slice(start, end);
  const entries = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)];
  const keys: EnvKey[] = entries.map((match, i) => {
    const text = body.slice(match.index, entries[i + 1]?.index ?? body.length);
    return {
      name: match[1] as string,
      required: /\.required\(\)/.test(text),
      loopbackDefault: /default\(\s*['"]https?:\/\/(127\.0\.0\.1|localhost)/.test(text),
    };
  });
  if (/\.\.\.serviceEnvKeys\(/.test(body)) {
    keys.push(
      ...SERVICE_KEYS.map((name) => ({ name, required: false, loopbackDefault: name === 'HOST' })),
    );
  }
  return keys;
}

/** The default port of an app (`serviceEnvKeys(<port>)`). */
export function defaultPort(app: string): number {
  const match = /serviceEnvKeys\((\d+)\)/.exec(readText(`apps/${app}/src/config.ts`));
  if (!match) throw new Error(`apps/${app}/src/config.ts does not call serviceEnvKeys(<port>)`);
  return Number(match[1]);
}

/**
 * The variables a multi-service deployment must set for an app: keys the schema requires, keys
 * whose default points at loopback (service URLs, the bind address), credentials (service tokens,
 * API keys, client credentials; the caller's and the callee's must match), Redis (replicas share
 * state through it) and the gateway's config file.
 */
export function deploymentRequiredKeys(app: string): string[] {
  return readEnvKeys(app)
    .filter(
      (k) =>
        k.required ||
        k.loopbackDefault ||
        (CREDENTIAL.test(k.name) && !OPTIONAL_CREDENTIALS.has(k.name)) ||
        k.name === 'REDIS_URL' ||
        k.name === 'GATEWAY_CONFIG',
    )
    .map((k) => k.name)
    .sort();
}

/** The service's own `read<Name>Config(env)`, loaded from source: it validates like the service does at start. */
export async function loadConfigReader(app: string): Promise<(env: NodeJS.ProcessEnv) => unknown> {
  const module: unknown = await import(
    pathToFileURL(join(ROOT, 'apps', app, 'src', 'config.ts')).href
  );
  const reader = Object.entries(module as Record<string, unknown>).find(
    ([name, value]) => /^read\w+Config$/.test(name) && typeof value === 'function',
  );
  if (!reader) throw new Error(`apps/${app}/src/config.ts exports no read<Name>Config function`);
  return reader[1] as (env: NodeJS.ProcessEnv) => unknown;
}
