import { isObject, type JsonObject } from './strategic-merge.js';
import { readYaml } from './repo.js';

/** A `${VAR:?message}` the environment does not satisfy: docker compose stops with this message. */
export class ComposeInterpolationError extends Error {
  readonly code = 'COMPOSE_VARIABLE_MISSING';
}

const REFERENCE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Docker compose variable interpolation of one string: `${VAR}`, `$VAR`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$` for a literal `$`.
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return text.replace(
    REFERENCE,
    (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = value === undefined;
      const emptyOrUnset = unset || value === '';
      switch (op) {
        case ':-':
          return emptyOrUnset ? (arg ?? '') : (value as string);
        case '-':
          return unset ? (arg ?? '') : (value as string);
        case ':?':
          if (emptyOrUnset)
            throw new ComposeInterpolationError(
              `${name}: ${arg || 'required variable is missing'}`,
            );
          return value as string;
        case '?':
          if (unset)
            throw new ComposeInterpolationError(
              `${name}: ${arg || 'required variable is missing'}`,
            );
          return value as string;
        default:
          return value ?? '';
      }
    },
  );
}

function interpolateDeep(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  return value;
}

/** One compose service after merge keys and interpolation. */
export type ComposeService = JsonObject & { environment?: Record<string, string | number> };

/** The root docker-compose.yml, raw (before interpolation). */
export function readComposeRaw(): {
  services: Record<string, ComposeService>;
  networks?: JsonObject;
} {
  const raw = readYaml('docker-compose.yml');
  if (!isObject(raw) || !isObject(raw['services']))
    throw new Error('docker-compose.yml has no services');
  return raw as { services: Record<string, ComposeService>; networks?: JsonObject };
}

/** The compose file as `docker compose config` would see it with the `.env` values in `env`. */
export function readCompose(env: Readonly<Record<string, string | undefined>>): {
  services: Record<string, ComposeService>;
  networks?: JsonObject;
} {
  return interpolateDeep(readComposeRaw(), env) as {
    services: Record<string, ComposeService>;
    networks?: JsonObject;
  };
}

/** A service's environment as strings (compose accepts numbers in the map form). */
export function serviceEnv(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env))
    throw new Error('use the map form of `environment` in docker-compose.yml');
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Parses KEY=value lines (comments and blank lines ignored), as compose reads `.env`. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}
