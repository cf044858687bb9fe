import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import type Joi from 'joi';
import { AddressList } from '../security/address-list.js';
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
  const problems = [...ambiguous, ...clientPolicyProblems(config.clients), ...ipGateProblems(config.ipGate)];
  if (problems.length) throw new GatewayConfigError(source, problems);
  return Object.freeze(config);
}

/** Whether `entry` is an address or `address/prefix` with a prefix its family allows. */
function isCidr(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** Every address list of the IP gate parses (a typo must not silently allow or deny nobody). */
function ipGateProblems(ipGate: GatewayFileConfig['ipGate']): string[] {
  const lists = { trustedProxies: ipGate.trustedProxies, allow: ipGate.allow, deny: ipGate.deny };
  return Object.entries(lists).flatMap(([name, entries]) =>
    entries.flatMap((entry, j) => (isCidr(entry) ? [] : [`ipGate.${name}.${j}: not a valid IP address or CIDR prefix`])),
  );
}

const MAX_OVERLAP_PROBLEMS = 20;

/**
 * Checks of `clients` the schema cannot express: every CIDR parses; a `requireAuth: false` client
 * names the addresses it is recognised by (without them it would be every address), has no roles
 * of an admin, and shares no address with another such client (one address, one identity).
 * Only network clients carry roles. Values are never echoed, only their paths.
 */
function clientPolicyProblems(clients: GatewayFileConfig['clients']): string[] {
  const problems: string[] = [];
  const network: Array<{ index: number; cidrs: Array<{ at: number; literal: string; list: AddressList }> }> = [];
  clients.forEach((client, index) => {
    const at = `clients.${index}`;
    const bad = client.allowedCidrs.map((c, j) => (isCidr(c) ? undefined : j)).filter((j): j is number => j !== undefined);
    for (const j of bad) problems.push(`${at}.allowedCidrs.${j}: not a valid IP address or CIDR prefix`);
    if (client.requireAuth) {
      if (client.roles.length) problems.push(`${at}.roles: only a client with requireAuth: false has roles of its own (key and token holders bring theirs)`);
      return;
    }
    if (client.allowedCidrs.length === 0) problems.push(`${at}.allowedCidrs: must list the source addresses when requireAuth is false`);
    if (client.roles.includes('admin')) problems.push(`${at}.roles: a client identified by its network address is never an admin`);
    if (bad.length === 0 && client.allowedCidrs.length) {
      network.push({ index, cidrs: client.allowedCidrs.map((c, j) => ({ at: j, literal: c.split('/')[0] ?? '', list: new AddressList([c]) })) });
    }
  });
  // Two prefixes overlap exactly when one contains the other, hence the other's own address.
  let overlaps = 0;
  for (let a = 0; a < network.length; a += 1) {
    for (let b = a + 1; b < network.length; b += 1) {
      const first = network[a];
      const second = network[b];
      if (!first || !second) continue;
      for (const x of first.cidrs) {
        for (const y of second.cidrs) {
          if (!y.list.has(x.literal) && !x.list.has(y.literal)) continue;
          overlaps += 1;
          if (overlaps <= MAX_OVERLAP_PROBLEMS) {
            problems.push(
              `clients.${second.index}.allowedCidrs.${y.at}: overlaps clients.${first.index}.allowedCidrs.${x.at}; two requireAuth: false clients may not share an address`,
            );
          }
        }
      }
    }
  }
  if (overlaps > MAX_OVERLAP_PROBLEMS) problems.push(`clients: ${overlaps - MAX_OVERLAP_PROBLEMS} more overlapping allowedCidrs between requireAuth: false clients`);
  return problems;
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
