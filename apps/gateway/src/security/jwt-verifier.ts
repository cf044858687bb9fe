import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from '../gateway-config/schema.js';
import type { Principal } from './principal.js';

type JwtConfig = NonNullable<AuthConfig['jwt']>;

/** Why a bearer token was refused; low-cardinality, safe for metrics and audit. */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenRejected';
  }
}

/** Reads a dotted claim path (`realm_access.roles`). */
function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The issuer's key set could not be fetched (unreachable, timeout, not a 200 JSON answer): no token
 * can be checked right now. Authentication fails closed with 503 — the caller's token may be fine,
 * so a 401 (which tells clients to throw their token away) would be wrong.
 */
export class KeySetUnavailable extends Error {
  readonly code = 'JWKS_UNAVAILABLE';
  constructor(cause: unknown) {
    super('the JWKS could not be fetched', { cause });
    this.name = 'KeySetUnavailable';
  }
}

function keySetUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  // jose wraps an unusable answer in a generic JOSEError; a network failure is not a JOSE error at all.
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC' && err.message.includes('JSON Web Key Set HTTP response');
  return true;
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token_expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim_${err.claim}`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown_kid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return (err as errors.JOSEError).code.toLowerCase();
  return 'invalid_token';
}

/**
 * OAuth 2.1 resource-server check of a bearer JWT (jose): signature against the issuer's JWKS
 * (cached; an unknown `kid` refetches at most once per cooldown), an allow-list of asymmetric
 * algorithms (so `none` and HS256-with-the-public-key are refused), issuer, audience (RFC 8707:
 * a token minted for another resource is refused), `exp`/`nbf` with a small leeway.
 */
export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: JwtConfig) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), {
      cooldownDuration: config.jwksCooldownMs,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 3000,
    });
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.config.algorithms],
        clockTolerance: this.config.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      if (keySetUnavailable(err)) throw new KeySetUnavailable(err);
      throw new TokenRejected(reasonOf(err));
    }
    const roles = claimAt(payload, this.config.rolesClaim);
    const clientId = claimAt(payload, this.config.clientIdClaim) ?? payload['client_id'];
    return {
      id: `jwt:${String(payload.sub)}`,
      kind: 'jwt',
      user: String(payload.sub),
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
      ...(typeof clientId === 'string' ? { clientId } : {}),
    };
  }
}
