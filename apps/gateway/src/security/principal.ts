/** Who is calling, as every later stage sees it. */
export interface Principal {
  /** Stable id: the API key id, the JWT subject, `admin`, or `anonymous:<ip>`. */
  readonly id: string;
  readonly kind: 'api_key' | 'jwt' | 'admin' | 'dev_token' | 'anonymous';
  /** The client whose policy applies (API key's client, JWT `azp`/`client_id`). */
  readonly clientId?: string;
  readonly roles: readonly string[];
  /** Display name for the audit trail (key owner, JWT subject). */
  readonly user?: string;
}

export const isAdmin = (p: Principal | undefined) => !!p && p.roles.includes('admin');
