/** Who is calling, as every later stage sees it. */
export interface Principal {
  /** Stable id: the API key id, the JWT subject, `admin`, `anonymous:<ip>` or `client:<client id>`. */
  readonly id: string;
  /**
   * How the caller was identified. `network`: no credential, recognised by its source address as
   * a `requireAuth: false` client (`Authorizer.networkPrincipalOf`); never an admin.
   */
  readonly kind: 'api_key' | 'jwt' | 'admin' | 'dev_token' | 'anonymous' | 'network';
  /** The client whose policy applies (API key's client, JWT `azp`/`client_id`, network client). */
  readonly clientId?: string;
  readonly roles: readonly string[];
  /** Display name for the audit trail (key owner, JWT subject, `client:<id>`). */
  readonly user?: string;
}

/**
 * Whether the principal holds the admin role. A network-identified principal proved nothing but
 * its address, so it is never an admin whatever roles its client lists.
 */
export const isAdmin = (p: Principal | undefined) => !!p && p.kind !== 'network' && p.roles.includes('admin');
