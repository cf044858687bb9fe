import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type Joi from 'joi';
import { gatewayFileSchema, upstreamSchema, type GatewayFileConfig, type UpstreamConfig } from './schema.js';

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

/** One named problem of a config file or of an upstream entry. */
export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

// Joi's pattern messages quote the rejected value; values can be credentials, so problems never carry them.
const VALIDATION_OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  convert: true,
  messages: {
    'string.pattern.base': '{{#label}} fails to match the required pattern',
    'string.pattern.name': '{{#label}} fails to match the {{#name}} pattern',
    'string.pattern.invert.base': '{{#label}} matches the inverted pattern',
    'string.pattern.invert.name': '{{#label}} matches the inverted {{#name}} pattern',
  },
};

function problemsOf(error: Joi.ValidationError): ConfigProblem[] {
  return error.details.map((d) => ({ field: d.path.join('.') || '(root)', message: d.message.replace(/^"[^"]*" /, '') }));
}

/** `field: message`, the form config problems are listed and logged in. */
export const describeProblem = (p: ConfigProblem): string => `${p.field}: ${p.message}`;

/** Splits a listed problem back into its field and message (for HTTP error details). */
export function parseProblem(problem: string): ConfigProblem {
  const at = problem.indexOf(': ');
  return at < 0 ? { field: '(root)', message: problem } : { field: problem.slice(0, at), message: problem.slice(at + 2) };
}

/**
 * Validates one upstream entry exactly as an item of `upstreams:` is validated (same schema, same
 * separator rule); every problem is named by its field.
 */
export function validateUpstreamEntry(raw: unknown, separator: string): { value?: UpstreamConfig; problems: ConfigProblem[] } {
  const { value, error } = upstreamSchema.validate(raw ?? {}, VALIDATION_OPTIONS);
  if (error) return { problems: problemsOf(error) };
  const config = value as UpstreamConfig;
  if (config.id.includes(separator)) return { problems: [{ field: 'id', message: `"${config.id}" contains the namespace separator "${separator}"` }] };
  return { value: config, problems: [] };
}

/** Validates an already-parsed config object; every problem is named by its path. */
export function validateGatewayConfig(raw: unknown, source = '(inline)'): GatewayFileConfig {
  const { value, error } = gatewayFileSchema.validate(raw ?? {}, VALIDATION_OPTIONS);
  if (error) throw new GatewayConfigError(source, problemsOf(error).map(describeProblem));
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
    throw new GatewayConfigError(file, [`(file): cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new GatewayConfigError(file, [`(file): not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateGatewayConfig(raw, file);
}
