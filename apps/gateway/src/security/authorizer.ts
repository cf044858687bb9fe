import { BlockList, isIP } from 'node:net';
import type { ClientPolicyConfig, GatewayFileConfig } from '../gateway-config/schema.js';
import { Denial } from './denial.js';
import { isAdmin, type Principal } from './principal.js';
import { compilePatterns } from './tool-patterns.js';

interface CompiledPolicy {
  readonly config: ClientPolicyConfig;
  readonly tools: ((name: string) => boolean) | undefined;
  readonly resources: (uri: string) => boolean;
  readonly cidrs: BlockList | undefined;
}

/** Builds a BlockList from CIDRs/addresses; IPv4-mapped IPv6 addresses match their IPv4 entries. */
export function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

export function inList(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** The compiled rules; swapped as a whole on reload, so a request never sees half of two configs. */
interface CompiledRules {
  readonly roleSets: ReadonlyArray<{ role: string; matches: (name: string) => boolean }>;
  readonly policies: ReadonlyMap<string, CompiledPolicy>;
  /** `requireAuth: false` clients, recognised by source address (their CIDRs never overlap: load.ts). */
  readonly networkClients: readonly CompiledPolicy[];
}

/** The sections of the config the authorizer decides with. */
export type AuthorizationConfig = Pick<GatewayFileConfig, 'toolSets' | 'clients'>;

function compileRules(config: AuthorizationConfig): CompiledRules {
  const policies = new Map<string, CompiledPolicy>();
  const networkClients: CompiledPolicy[] = [];
  for (const client of config.clients) {
    const policy: CompiledPolicy = {
      config: client,
      tools: client.allowedTools.length ? compilePatterns(client.allowedTools) : undefined,
      resources: compilePatterns(client.allowedResources),
      cidrs: client.allowedCidrs.length ? blockListOf(client.allowedCidrs) : undefined,
    };
    policies.set(client.id, policy);
    // Without CIDRs a network client would match every address: never (load.ts refuses it too).
    if (!client.requireAuth && policy.cidrs) networkClients.push(policy);
  }
  return {
    roleSets: Object.values(config.toolSets).map((set) => ({ role: set.requiredRole, matches: compilePatterns(set.tools) })),
    policies,
    networkClients,
  };
}

/**
 * Default-deny authorization, compiled once from the config: roles map to tool sets; a client's
 * policy narrows further (tools, resources, origins, source addresses); a `requireAuth: false`
 * client is also recognised by its source address alone (`networkPrincipalOf`). `tools/list` is filtered
 * with the same predicate a call is checked with, so what is listed is exactly what may be called.
 * A config reload swaps the compiled rules in place (`replace`), so callers keep their instance.
 */
export class Authorizer {
  private rules: CompiledRules;

  constructor(config: AuthorizationConfig) {
    this.rules = compileRules(config);
  }

  /** Applies reloaded `toolSets` and `clients`; compiled first, so a bad config leaves the old rules. */
  replace(config: AuthorizationConfig): void {
    this.rules = compileRules(config);
  }

  private get policies(): ReadonlyMap<string, CompiledPolicy> {
    return this.rules.policies;
  }

  /**
   * The principal of a request without credentials from `clientIp`, when that address is inside
   * the CIDRs of a `requireAuth: false` client: `client:<id>`, kind `network`, the client's
   * `roles`. Lives here so a config reload (`replace`) changes it together with the policies.
   */
  networkPrincipalOf(clientIp: string): Principal | undefined {
    const match = this.rules.networkClients.find((policy) => policy.cidrs && inList(policy.cidrs, clientIp));
    if (!match) return undefined;
    const { id, roles } = match.config;
    return { id: `client:${id}`, kind: 'network', clientId: id, user: `client:${id}`, roles: [...roles] };
  }

  policyOf(principal: Principal): ClientPolicyConfig | undefined {
    return principal.clientId ? this.policies.get(principal.clientId)?.config : undefined;
  }

  /** Whether `principal` may call (and therefore see) the tool or prompt exposed as `name`. */
  mayUse(principal: Principal, name: string): boolean {
    const policy = principal.clientId ? this.policies.get(principal.clientId) : undefined;
    if (policy?.tools && !policy.tools(name)) return false;
    if (isAdmin(principal)) return true;
    return this.rules.roleSets.some((set) => principal.roles.includes(set.role) && set.matches(name));
  }

  mayRead(principal: Principal, uri: string): boolean {
    const policy = principal.clientId ? this.policies.get(principal.clientId) : undefined;
    if (policy) return policy.resources(uri);
    return isAdmin(principal);
  }

  /** Per-client request checks that need no tool name: source address and browser origin. */
  checkRequest(principal: Principal, clientIp: string, origin: string | undefined): void {
    const policy = principal.clientId ? this.policies.get(principal.clientId) : undefined;
    if (!policy) return;
    if (policy.cidrs && !inList(policy.cidrs, clientIp)) {
      throw new Denial(403, 'FORBIDDEN', 'this client may not connect from this address', 'source_not_allowed');
    }
    if (origin && policy.config.allowedOrigins.length) {
      const host = safeHostname(origin);
      if (!host || !policy.config.allowedOrigins.includes(host)) {
        throw new Denial(403, 'FORBIDDEN', 'origin not allowed for this client', 'origin_not_allowed');
      }
    }
  }
}

function safeHostname(origin: string): string | undefined {
  try {
    return new URL(origin).hostname;
  } catch {
    return undefined;
  }
}
