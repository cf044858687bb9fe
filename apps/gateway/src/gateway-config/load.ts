import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { gatewayFileSchema, type GatewayFileConfig } from './schema.js';

/** The gateway config file is missing, unreadable, not YAML, or fails validation; lists every problem. */
export class GatewayConfigError extends Error {
  readonly code = 'GW_ERR_CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid gateway config ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'GatewayConfigError';
  }
}

/** Validates an already-parsed config object; every problem is named by its path. */
export function validateGatewayConfig(raw: unknown, source = '(inline)'): GatewayFileConfig {
  const { value, error } = gatewayFileSchema.validate(raw ?? {}, { abortEarly: false, convert: true });
  if (error) {
    throw new GatewayConfigError(
      source,
      error.details.map((d) => `${d.path.join('.') || '(root)'}: ${d.message.replace(/^"[^"]*" /, '')}`),
    );
  }
  const config = value as GatewayFileConfig;
  // Namespaced names must be unambiguous: an id containing the separator could collide.
  const ambiguous = config.upstreams
    .map((u, i) => (u.id.includes(config.namespaceSeparator) ? `upstreams.${i}.id: "${u.id}" contains the namespace separator "${config.namespaceSeparator}"` : undefined))
    .filter((p): p is string => p !== undefined);
  if (ambiguous.length) throw new GatewayConfigError(source, ambiguous);
  return Object.freeze(config);
}

/** Reads, parses and validates the YAML file; without a file the gateway runs on built-in tools only. */
export async function loadGatewayConfig(file: string | undefined): Promise<GatewayFileConfig> {
  if (!file) return validateGatewayConfig({});
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new GatewayConfigError(file, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateGatewayConfig(raw, file);
}
