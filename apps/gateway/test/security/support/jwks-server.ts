import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** An RSA signing key with its public JWK (`kid` set). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

/** A local authorization server's JWKS endpoint on 127.0.0.1:0 that counts its fetches. */
export interface JwksServer {
  readonly url: string;
  /** How many times the key set was fetched. */
  fetches(): number;
  /** Replaces the published keys (key rotation). */
  publish(keys: readonly SigningKey[]): void;
  /** Answers every fetch with this HTTP status instead of the keys (undefined: healthy again). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: readonly SigningKey[]): Promise<JwksServer> {
  let published = keys.map((k) => k.jwk);
  let count = 0;
  let failure: number | undefined;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    count += 1;
    if (failure !== undefined) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    fetches: () => count,
    publish: (next) => {
      published = next.map((k) => k.jwk);
    },
    failWith: (status) => {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Signs an RS256 access token; `claims` override the defaults (iss, aud, sub, exp in 5 min). */
export function signToken(
  key: SigningKey,
  defaults: { issuer: string; audience: string },
  claims: JWTPayload & Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: defaults.issuer,
    aud: defaults.audience,
    sub: 'alice',
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `alg: none`: header and claims, no signature. */
export function unsignedToken(claims: Record<string, unknown>, kid: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(claims)}.`;
}
