import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../gateway-config/schema.js';
import { API_KEY_PREFIX, type ApiKeyStore } from './api-keys.js';
import { Denial, storeUnavailableDenial } from './denial.js';
import { JwtVerifier, TokenRejected } from './jwt-verifier.js';
import type { Principal } from './principal.js';

const QUERY_CREDENTIALS = /[?&](api[_-]?key|apikey|key|access_token|token|auth)=/i;
const MAX_CREDENTIAL_LENGTH = 8192;
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

const sameSecret = (presented: string, expected: Buffer | undefined) =>
  expected !== undefined && timingSafeEqual(digest(presented), expected);

export interface AuthenticatorOptions {
  config: AuthConfig;
  apiKeys: ApiKeyStore;
  adminKey?: string;
  devToken?: string;
  /** `https://host` this gateway is reached at, for the RFC 9728 pointer in 401s. */
  publicBaseUrl: (headers: IncomingHttpHeaders) => string;
}

/**
 * Stage 2 of the pipeline: who is calling. API keys (`X-API-Key` or `Authorization: Bearer
 * mcpgw_…`), the bootstrap admin key, OAuth 2.1 bearer JWTs, or — only when enabled — anonymous.
 * Every refusal is a 401 whose `WWW-Authenticate` points at the protected-resource metadata.
 */
export class Authenticator {
  private readonly jwt: JwtVerifier | undefined;
  private readonly adminDigest: Buffer | undefined;
  private readonly devDigest: Buffer | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    this.jwt = options.config.jwt ? new JwtVerifier(options.config.jwt) : undefined;
    this.adminDigest = options.adminKey ? digest(options.adminKey) : undefined;
    this.devDigest = options.config.devToken?.enabled && options.devToken ? digest(options.devToken) : undefined;
  }

  async authenticate(headers: IncomingHttpHeaders, url: string, clientIp: string): Promise<Principal> {
    if (QUERY_CREDENTIALS.test(url)) throw this.unauthorized(headers, 'credentials_in_query', 'credentials in the query string are not accepted');
    const credential = this.credentialOf(headers);
    if (credential === undefined) {
      const anonymous = this.options.config.anonymous;
      if (anonymous.enabled) return { id: `anonymous:${clientIp}`, kind: 'anonymous', roles: [...anonymous.roles] };
      throw this.unauthorized(headers, 'missing_credentials', 'authentication required');
    }
    if (credential.length === 0 || credential.length > MAX_CREDENTIAL_LENGTH || /\s/.test(credential)) {
      throw this.unauthorized(headers, 'malformed_credentials', 'malformed credentials', true);
    }
    if (credential.startsWith(API_KEY_PREFIX)) return this.fromApiKey(headers, credential);
    if (sameSecret(credential, this.adminDigest)) return { id: 'admin', kind: 'admin', user: 'admin', roles: ['admin'] };
    if (sameSecret(credential, this.devDigest)) {
      return { id: 'dev-token', kind: 'dev_token', user: 'developer', roles: [...(this.options.config.devToken?.roles ?? [])] };
    }
    if (!this.jwt) throw this.unauthorized(headers, 'invalid_credentials', 'invalid credentials', true);
    try {
      return await this.jwt.verify(credential);
    } catch (err) {
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
