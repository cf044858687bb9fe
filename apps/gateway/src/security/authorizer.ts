import type { ClientPolicyConfig, GatewayFileConfig } from '../gateway-config/schema.js';
import { AddressList, BoundedMemo, MAX_REMEMBERED_VERDICTS } from './address-list.js';
import { Denial } from './denial.js';
import { isAdmin, type Principal } from './principal.js';
import { compilePatterns } from './tool-patterns.js';

interface CompiledPolicy {
  readonly config: ClientPolicyConfig;
  readonly tools: ((name: string) => boolean) | undefined;
  readonly resources: (uri: string) => boolean;
  readonly cidrs: AddressList | undefined;
}

/** The compiled rules; swapped as a whole on reload, so a request never sees half of two configs. */
interface CompiledRules {
  readonly roleSets: ReadonlyArray<{ role: string; matches: (name: string) => boolean }>;
  readonly policies: ReadonlyMap<string, CompiledPolicy>;
  /** `requireAuth: false` clients, recognised by source address (their CIDRs never overlap: load.ts). */
  readonly networkClients: readonly CompiledPolicy[];
  /**
   * Which network client an address is (null: none), remembered here once rather than in each
   * client's list: an address without credentials is asked of every list until one matches, so
   * per-list memories would each fill with the addresses of all such requests.
   */
  readonly networkClientOf: BoundedMemo<CompiledPolicy | null>;
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
      cidrs: client.allowedCidrs.length ? new AddressList(client.allowedCidrs, client.requireAuth ? {} : { remember: 0 }) : undefined,
    };
    policies.set(client.id, policy);
    // Without CIDRs a network client would match every address: never (load.ts refuses it too).
    if (!client.requireAuth && policy.cidrs) networkClients.push(policy);
  }
  return {
    roleSets: Object.values(config.toolSets).map((set) => ({ role: set.requiredRole, matches: compilePatterns(set.tools) })),
    policies,
    networkClients,
    networkClientOf: new BoundedMemo(MAX_REMEMBERED_VERDICTS),
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
    const { networkClients, networkClientOf } = this.rules;
    let match = networkClientOf.get(clientIp);
    if (match === undefined) {
      match = networkClients.find((policy) => policy.cidrs?.has(clientIp)) ?? null;
      networkClientOf.set(clientIp, match);
    }
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
    if (policy.cidrs && !policy.cidrs.has(clientIp)) {
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
