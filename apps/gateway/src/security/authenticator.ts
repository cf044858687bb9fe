import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../gateway-config/schema.js';
import { API_KEY_PREFIX, type ApiKeyStore } from './api-keys.js';
import { Denial, storeUnavailableDenial, unavailableDenial } from './denial.js';
import { JwtVerifier, KeySetUnavailable, TokenRejected } from './jwt-verifier.js';
import type { Principal } from './principal.js';

const CREDENTIAL_PARAM = /^(api[_-]?key|apikey|x[_-]api[_-]key|key|access[_-]?token|token|auth|authorization|bearer)$/i;
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\./;
const MAX_CREDENTIAL_LENGTH = 8192;
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Credentials in the URL end up in proxy logs, browser history and Referer headers, so they are
 * refused outright: a credential-like parameter name, or any value carrying an API key or a JWT,
 * checked on the decoded query (`api%5Fkey` is `api_key`).
 */
export function hasQueryCredentials(url: string): boolean {
  const at = url.indexOf('?');
  if (at < 0) return false;
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    if (CREDENTIAL_PARAM.test(name.trim()) || value.includes(API_KEY_PREFIX) || name.includes(API_KEY_PREFIX) || JWT_SHAPE.test(value)) return true;
  }
  return false;
}

const sameSecret = (presented: string, expected: Buffer | undefined) =>
  expected !== undefined && timingSafeEqual(digest(presented), expected);

/** Recognises `requireAuth: false` clients by source address (the Authorizer, so reloads apply). */
export interface NetworkIdentity {
  networkPrincipalOf(clientIp: string): Principal | undefined;
}

export interface AuthenticatorOptions {
  config: AuthConfig;
  networkIdentity: NetworkIdentity;
  apiKeys: ApiKeyStore;
  adminKey?: string;
  devToken?: string;
  /** `https://host` this gateway is reached at, for the RFC 9728 pointer in 401s. */
  publicBaseUrl: (headers: IncomingHttpHeaders) => string;
}

/**
 * Stage 2 of the pipeline: who is calling. API keys (`X-API-Key` or `Authorization: Bearer
 * mcpgw_…`), the bootstrap admin key, OAuth 2.1 bearer JWTs; without any credential, a
 * `requireAuth: false` client whose CIDRs hold the caller's address, else — only when enabled —
 * anonymous. A credential that is present is always checked: a bad one is a 401, never a fallback
 * to the network identity. Every refusal is a 401 whose `WWW-Authenticate` points at the
 * protected-resource metadata.
 */
export class Authenticator {
  private readonly jwt: JwtVerifier | undefined;
  private readonly adminDigest: Buffer | undefined;
  /** The bootstrap admin key may have the API keys' prefix (`npm start` makes `mcpgw_admin_…`). */
  private readonly adminLooksLikeApiKey: boolean;
  private readonly devDigest: Buffer | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    this.jwt = options.config.jwt ? new JwtVerifier(options.config.jwt) : undefined;
    this.adminDigest = options.adminKey ? digest(options.adminKey) : undefined;
    this.adminLooksLikeApiKey = options.adminKey?.startsWith(API_KEY_PREFIX) ?? false;
    this.devDigest = options.config.devToken?.enabled && options.devToken ? digest(options.devToken) : undefined;
  }

  async authenticate(headers: IncomingHttpHeaders, url: string, clientIp: string): Promise<Principal> {
    if (hasQueryCredentials(url)) throw this.unauthorized(headers, 'credentials_in_query', 'credentials in the query string are not accepted');
    const credential = this.credentialOf(headers);
    if (credential === undefined) {
      const client = this.options.networkIdentity.networkPrincipalOf(clientIp);
      if (client) return client;
      const anonymous = this.options.config.anonymous;
      if (anonymous.enabled) return { id: `anonymous:${clientIp}`, kind: 'anonymous', roles: [...anonymous.roles] };
      throw this.unauthorized(headers, 'missing_credentials', 'authentication required');
    }
    if (credential.length === 0 || credential.length > MAX_CREDENTIAL_LENGTH || /\s/.test(credential)) {
      throw this.unauthorized(headers, 'malformed_credentials', 'malformed credentials', true);
    }
    if (credential.startsWith(API_KEY_PREFIX) && !(this.adminLooksLikeApiKey && sameSecret(credential, this.adminDigest))) {
      return this.fromApiKey(headers, credential);
    }
    if (sameSecret(credential, this.adminDigest)) return { id: 'admin', kind: 'admin', user: 'admin', roles: ['admin'] };
    if (sameSecret(credential, this.devDigest)) {
      return { id: 'dev-token', kind: 'dev_token', user: 'developer', roles: [...(this.options.config.devToken?.roles ?? [])] };
    }
    if (!this.jwt) throw this.unauthorized(headers, 'invalid_credentials', 'invalid credentials', true);
    try {
      return await this.jwt.verify(credential);
    } catch (err) {
      if (err instanceof KeySetUnavailable) throw unavailableDenial('AUTH_UNAVAILABLE', 'jwks_unavailable', err);
      const reason = err instanceof TokenRejected ? err.reason : 'invalid_token';
      throw this.unauthorized(headers, reason, 'invalid or expired token', true);
    }
  }

  private async fromApiKey(headers: IncomingHttpHeaders, key: string): Promise<Principal> {
    let record;
    try {
      record = await this.options.apiKeys.verify(key);
    } catch (err) {
      throw storeUnavailableDenial(err);
    }
    if (!record) throw this.unauthorized(headers, 'invalid_api_key', 'invalid, revoked or expired API key', true);
    return { id: `key:${record.id}`, kind: 'api_key', user: record.owner, roles: record.roles, ...(record.clientId ? { clientId: record.clientId } : {}) };
  }

  private credentialOf(headers: IncomingHttpHeaders): string | undefined {
    const apiKey = headers['x-api-key'];
    if (typeof apiKey === 'string') return apiKey.trim();
    const authorization = headers['authorization'];
    if (typeof authorization !== 'string') return undefined;
    const match = /^Bearer[ ]+(.*)$/i.exec(authorization);
    return match ? (match[1] ?? '').trim() : '';
  }

  private unauthorized(headers: IncomingHttpHeaders, reason: string, message: string, invalidToken = false): Denial {
    const metadata = `${this.options.publicBaseUrl(headers)}/.well-known/oauth-protected-resource`;
    const challenge = `Bearer resource_metadata="${metadata}"${invalidToken ? ', error="invalid_token"' : ''}`;
    return new Denial(401, 'UNAUTHORIZED', message, reason, { headers: { 'WWW-Authenticate': challenge } });
  }
}
