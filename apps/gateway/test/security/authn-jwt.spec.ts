/**
 * Attack suite — OAuth 2.1 bearer JWTs (jose, keys served from a local JWKS endpoint): `alg: none`,
 * algorithm confusion (HS256 keyed with the RSA public key), forged and unknown `kid`, wrong
 * issuer and audience (RFC 8707), expired and not-yet-valid tokens. Each is a 401 with
 * `error="invalid_token"` and the RFC 9728 pointer; nothing reaches the upstream; an unknown `kid`
 * refetches the JWKS at most once per cooldown.
 */
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import {
  newSigningKey,
  signToken,
  startJwksServer,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from './support/jwks-server.js';
import { callTool, resultOf, sleep } from './support/rpc.js';
import { expectUnauthorized, expectUntouched, mark } from './support/upstream-guard.js';

const ISSUER = 'https://idp.test/realms/mcp';
const AUDIENCE = 'https://gateway.test/mcp';
const COOLDOWN_MS = 2000;
const roles = { realm_access: { roles: ['echo-user'] } };
let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;
let jwks: JwksServer;
let trusted: SigningKey;
let rogue: SigningKey;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const sign = (claims: Record<string, unknown> = {}, key = trusted) =>
  signToken(key, { issuer: ISSUER, audience: AUDIENCE }, { ...roles, ...claims });

beforeAll(async () => {
  [trusted, rogue] = await Promise.all([newSigningKey('trusted-1'), newSigningKey('rogue-1')]);
  jwks = await startJwksServer([trusted]);
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  gateway = await startGateway({
    openAccess: false,
    file: {
      auth: {
        jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, jwksCooldownMs: COOLDOWN_MS },
      },
      toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
      upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
    },
  });
  resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'warm-up' }, bearer(await sign())));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await jwks?.close();
});

async function expectRefused(token: string): Promise<void> {
  const before = mark(upstream);
  const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: 'attack' }, bearer(token));
  await expectUnauthorized(answer, gateway.url);
  expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
  expect(answer.json).toMatchObject({
    error: { code: -32000, message: 'invalid or expired token' },
  });
  expectUntouched(before);
}

describe('bearer JWTs', () => {
  it('a valid token is accepted; the token never travels on to the upstream', async () => {
    const token = await sign();
    resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'ok' }, bearer(token)));
    const call = upstream.calls.at(-1);
    expect(call?.headers['authorization']).toBeUndefined();
    expect(JSON.stringify(upstream.requests.at(-1))).not.toContain(token.split('.')[2]);
  });

  it('alg: none → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      unsignedToken(
        { iss: ISSUER, aud: AUDIENCE, sub: 'mallory', exp: now + 300, ...roles },
        trusted.kid,
      ),
    );
  });

  it('HS256 keyed with the RSA public key (algorithm confusion) → 401', async () => {
    const pem = await exportSPKI(trusted.publicKey);
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [
      new TextEncoder().encode(pem),
      Buffer.from(String(trusted.jwk.n), 'base64url'),
    ]) {
      const token = await new SignJWT({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: 'mallory',
        exp: now + 300,
        ...roles,
      })
        .setProtectedHeader({ alg: 'HS256', kid: trusted.kid })
        .sign(secret);
      await expectRefused(token);
    }
  });

  it('a token signed by another key under the trusted kid, or pointing at its own jku → 401', async () => {
    await expectRefused(await sign({}, { ...rogue, kid: trusted.kid }));
    const now = Math.floor(Date.now() / 1000);
    const withJku = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'mallory',
      exp: now + 300,
      ...roles,
    })
      .setProtectedHeader({ alg: 'RS256', kid: rogue.kid, jku: 'http://127.0.0.1:9/rogue-jwks' })
      .sign(rogue.privateKey);
    await expectRefused(withJku);
  });

  it('wrong issuer → 401', async () => {
    await expectRefused(await sign({ iss: 'https://evil.test/realms/mcp' }));
  });

  it('a token for another resource (wrong audience, RFC 8707) → 401', async () => {
    await expectRefused(await sign({ aud: 'https://other-service.test/api' }));
    await expectRefused(await sign({ aud: [] }));
  });

  it('expired (beyond the leeway) → 401; within the 30 s leeway → accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await sign({ iat: now - 600, exp: now - 120 }));
    resultOf(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'skew' },
        bearer(await sign({ iat: now - 600, exp: now - 5 })),
      ),
    );
  });

  it('not yet valid (nbf beyond the leeway) → 401; without exp or sub → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await sign({ nbf: now + 120 }));
    await expectRefused(await sign({ exp: undefined }));
    await expectRefused(await sign({ sub: undefined }));
  });

  it('an unknown kid → 401, and the JWKS is refetched at most once per cooldown', async () => {
    await sleep(COOLDOWN_MS + 200); // the last fetch is now older than the cooldown
    const start = jwks.fetches();
    const rogueTokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sign({ sub: `m${i}` }, rogue)),
    );
    await Promise.all(rogueTokens.map((t) => expectRefused(t)));
    for (const token of rogueTokens.slice(0, 5)) await expectRefused(token);
    expect(jwks.fetches() - start).toBe(1);

    // A rotation the gateway learns about through that one refetch per cooldown.
    const next = await newSigningKey('trusted-2');
    jwks.publish([trusted, next]);
    await expectRefused(await sign({}, rogue));
    expect(jwks.fetches() - start).toBe(1);
    await sleep(COOLDOWN_MS + 200);
    resultOf(
      await callTool(gateway.mcpUrl, 'up__echo', { text: 'rotated' }, bearer(await sign({}, next))),
    );
    expect(jwks.fetches() - start).toBe(2);
  });
});
