/**
 * The failure policy, pinned: security controls fail closed (a dependency that is down gives 503
 * with Retry-After — not 401, not 429, and never a forwarded call); enrichments fail open with a
 * record (reputation: within the budget, else the last cached score, else proceed — marked
 * degraded in the audit event and counted in a metric). Also pins the security defaults of the
 * config schema that docs/security.md lists.
 */
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateStore } from '@mcpgw/state';
import { createLogger } from '@mcpgw/telemetry';
import {
  describeWithRedis,
  echoTool,
  startFakeMcpUpstream,
  type FakeMcpUpstream,
} from '@mcpgw/testing';
import type { BackendClient } from '../../src/builtins/backend-client.js';
import { readGatewayConfig } from '../../src/config.js';
import { createGatewayCore } from '../../src/gateway.js';
import { GatewayConfigError, validateGatewayConfig } from '../../src/gateway-config/load.js';
import { DynamicBlocklist } from '../../src/security/blocklist.js';
import { IpGate, ThreatBlocked } from '../../src/security/ip-gate.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { newSigningKey, signToken, startJwksServer } from './support/jwks-server.js';
import { readOutbox } from './support/outbox.js';
import { recordingStore } from './support/recording-store.js';
import { callTool, resultOf, rpc, sleep } from './support/rpc.js';
import { expectUnauthorized, expectUntouched, mark } from './support/upstream-guard.js';

let upstream: FakeMcpUpstream;
beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
});
afterAll(async () => {
  await upstream?.close();
});
const upstreams = () => [{ id: 'up', transport: 'streamable-http', url: upstream.url }];
const echoers = { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } };

describe('security defaults of the config schema', () => {
  it('are closed by default and as documented', () => {
    const file = validateGatewayConfig({});
    expect(file.auth.anonymous).toEqual({
      enabled: false,
      roles: [],
      rateLimit: { capacity: 10, refillPerSecond: 0.2 },
    });
    expect(file.auth.devToken).toBeUndefined();
    expect(file.auth.jwt).toBeUndefined();
    expect(file.toolSets).toEqual({});
    expect(file.clients).toEqual([]);
    expect(file.defaultRateLimit).toEqual({ capacity: 120, refillPerSecond: 20 });
    expect(file.ipGate).toEqual({
      trustedProxies: [],
      allow: [],
      deny: [],
      reputation: { enabled: true, threshold: 8, budgetMs: 50, cacheTtlMs: 300_000 },
    });
    expect(file.sanitize).toEqual({ secrets: true, pii: false, perTool: {} });
    expect(file.audit).toEqual({ includeArguments: false });
    const jwt = validateGatewayConfig({
      auth: {
        jwt: {
          issuer: 'https://idp.test',
          audience: 'https://gw.test/mcp',
          jwksUrl: 'https://idp.test/jwks',
        },
      },
    }).auth.jwt;
    expect(jwt).toMatchObject({
      rolesClaim: 'realm_access.roles',
      clientIdClaim: 'azp',
      algorithms: ['RS256', 'ES256'],
      clockToleranceSec: 30,
      jwksCooldownMs: 30_000,
    });
    expect(() =>
      validateGatewayConfig({
        auth: {
          jwt: {
            issuer: 'https://idp.test',
            audience: 'a',
            jwksUrl: 'https://idp.test/jwks',
            algorithms: ['HS256'],
          },
        },
      }),
    ).toThrow(GatewayConfigError);
    expect(() =>
      validateGatewayConfig({
        auth: {
          jwt: {
            issuer: 'https://idp.test',
            audience: 'a',
            jwksUrl: 'https://idp.test/jwks',
            algorithms: ['none'],
          },
        },
      }),
    ).toThrow(GatewayConfigError);
  });
});

describe('security controls fail closed', () => {
  it('the JWKS unreachable → 503 with Retry-After (not 401), nothing forwarded', async () => {
    const key = await newSigningKey('k1');
    const jwks = await startJwksServer([key]);
    const jwksUrl = jwks.url;
    await jwks.close(); // the issuer is down from the start
    const gateway = await startGateway({
      openAccess: false,
      file: {
        auth: { jwt: { issuer: 'https://idp.test', audience: 'https://gw.test/mcp', jwksUrl } },
        toolSets: echoers,
        upstreams: upstreams(),
      },
    });
    try {
      await gateway.core.catalogue.ensureLoaded();
      const token = await signToken(
        key,
        { issuer: 'https://idp.test', audience: 'https://gw.test/mcp' },
        { realm_access: { roles: ['echo-user'] } },
      );
      const before = mark(upstream);
      const answer = await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'x' },
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('www-authenticate')).toBeNull();
      expectUntouched(before);
      // A token that is not even a JWT is judged without the keys: still a 401.
      expect(
        (
          await callTool(
            gateway.mcpUrl,
            'up__echo',
            { text: 'x' },
            { headers: { authorization: 'Bearer not.a.jwt' } },
          )
        ).status,
      ).toBe(401);
      const events = await readOutbox(gateway.store);
      expect(events.filter((e) => e.reason === 'jwks_unavailable')).toEqual([
        expect.objectContaining({ decision: 'error', status: 503 }),
      ]);
    } finally {
      await gateway.close();
    }
  });

  it('the JWKS answering 500 → 503; service returns by itself when it recovers', async () => {
    const key = await newSigningKey('k2');
    const jwks = await startJwksServer([key]);
    jwks.failWith(500);
    const gateway = await startGateway({
      openAccess: false,
      file: {
        auth: {
          jwt: {
            issuer: 'https://idp.test',
            audience: 'https://gw.test/mcp',
            jwksUrl: jwks.url,
            jwksCooldownMs: 1000,
          },
        },
        toolSets: echoers,
        upstreams: upstreams(),
      },
    });
    try {
      await gateway.core.catalogue.ensureLoaded();
      const token = await signToken(
        key,
        { issuer: 'https://idp.test', audience: 'https://gw.test/mcp' },
        { realm_access: { roles: ['echo-user'] } },
      );
      const before = mark(upstream);
      const refused = await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'x' },
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expectUntouched(before);
      jwks.failWith(undefined);
      resultOf(
        await callTool(
          gateway.mcpUrl,
          'up__echo',
          { text: 'back' },
          { headers: { authorization: `Bearer ${token}` } },
        ),
      );
    } finally {
      await gateway.close();
      await jwks.close();
    }
  });

  it('a development token is refused unless enabled, and the gateway refuses to start with it in production', async () => {
    const devToken = 'dev-token-for-security-tests-0001';
    const disabled = await startGateway({
      openAccess: false,
      env: { GATEWAY_DEV_TOKEN: devToken },
      file: { toolSets: echoers, upstreams: upstreams() },
    });
    try {
      await expectUnauthorized(
        await rpc(
          disabled.mcpUrl,
          'tools/list',
          {},
          { headers: { authorization: `Bearer ${devToken}` } },
        ),
        disabled.url,
      );
    } finally {
      await disabled.close();
    }
    const enabled = await startGateway({
      openAccess: false,
      env: { GATEWAY_DEV_TOKEN: devToken },
      file: {
        auth: { devToken: { enabled: true, roles: ['echo-user'] } },
        toolSets: echoers,
        upstreams: upstreams(),
      },
    });
    try {
      resultOf(
        await callTool(
          enabled.mcpUrl,
          'up__echo',
          { text: 'dev' },
          { headers: { authorization: `Bearer ${devToken}` } },
        ),
      );
    } finally {
      await enabled.close();
    }
    const store = createStateStore({ keyPrefix: 'gw:' });
    expect(() =>
      createGatewayCore({
        config: readGatewayConfig({ NODE_ENV: 'production', GATEWAY_DEV_TOKEN: devToken }),
        file: validateGatewayConfig({ auth: { devToken: { enabled: true } } }),
        logger: createLogger({ service: 'gateway', level: 'error', stream: new PassThrough() }),
        registry: new Registry(),
        store,
      }),
    ).toThrow(/development token is refused in production/);
    await store.close();
  });
});

describeWithRedis('the audit outbox fails closed (real Redis)', (redis) => {
  it('a tools/call whose write-ahead record cannot be written is refused with 503 and never forwarded', async () => {
    const recording = recordingStore(createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' }));
    const gateway = await startGateway({
      store: recording.store,
      file: { upstreams: upstreams() },
    });
    try {
      await gateway.core.catalogue.ensureLoaded();
      resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'recorded' }));
      recording.failOutbox = true;
      const before = mark(upstream);
      const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: 'unrecorded' });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.json?.['error']).toMatchObject({
        message: 'Service temporarily unavailable, retry shortly',
      });
      expectUntouched(before);
      recording.failOutbox = false;
      resultOf(await callTool(gateway.mcpUrl, 'up__echo', { text: 'recorded again' }));
    } finally {
      await gateway.close();
    }
  });
});

describe('enrichments fail open with a record', () => {
  let gateway: GatewayHarness;
  afterAll(async () => {
    await gateway?.close();
  });

  it('the broker unreachable: the request proceeds, and its audit event says degraded', async () => {
    gateway = await startGateway({
      env: { BROKER_URL: 'http://127.0.0.1:9' },
      file: { ipGate: { trustedProxies: ['127.0.0.1/32'] }, upstreams: upstreams() },
    });
    resultOf(
      await callTool(
        gateway.mcpUrl,
        'up__echo',
        { text: 'x' },
        { headers: { 'x-forwarded-for': '203.0.113.50' } },
      ),
    );
    const event = (await readOutbox(gateway.store)).filter((e) => e.type === 'mcp.request').at(-1);
    expect(event).toMatchObject({ client_ip: '203.0.113.50', decision: 'allow', degraded: true });
    expect(event).not.toHaveProperty('threat_score');
  });

  it('reputation: the budget, then the last cached score, then proceed — each degraded decision counted', async () => {
    const registry = new Registry();
    const answers: Array<() => Promise<unknown>> = [];
    const broker = {
      getJson: () => (answers.shift() ?? (() => Promise.reject(new Error('no answer'))))(),
    } as unknown as BackendClient;
    const blocklistStore = createStateStore({ keyPrefix: 't:' });
    const gate = new IpGate(
      validateGatewayConfig({ ipGate: { reputation: { budgetMs: 100, cacheTtlMs: 1000 } } }).ipGate,
      new DynamicBlocklist(blocklistStore),
      broker,
      createLogger({ service: 'gateway', level: 'error', stream: new PassThrough() }),
      registry,
    );
    const counted = async () =>
      (await registry.getSingleMetricAsString('gateway_ip_reputation_degraded_total'))
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join(' ');
    try {
      // A fresh verdict within the budget is used: 9 blocks.
      answers.push(() => Promise.resolve({ threat_score: 9, degraded: false }));
      await expect(gate.check('203.0.113.9')).rejects.toBeInstanceOf(ThreatBlocked);
      // Cache expired and the broker now slow: the last cached score (9) still blocks, marked degraded.
      await sleep(1100);
      answers.push(() => sleep(1000).then(() => ({ threat_score: 9 })));
      const started = performance.now();
      await expect(gate.check('203.0.113.9')).rejects.toMatchObject({ threatScore: 9 });
      expect(performance.now() - started).toBeLessThan(600);
      // An address never seen, broker down: proceed, degraded.
      answers.push(() => Promise.reject(new Error('connection refused')));
      expect(await gate.check('198.51.100.7')).toEqual({ degraded: true });
      // The broker answering a degraded verdict of its own: used, marked degraded.
      answers.push(() => Promise.resolve({ threat_score: 2, degraded: true }));
      expect(await gate.check('198.51.100.8')).toEqual({ degraded: true, threatScore: 2 });
      for (const reason of ['over_budget', 'broker_error', 'broker_degraded'])
        expect(await counted()).toContain(`reason="${reason}"} 1`);
    } finally {
      await blocklistStore.close();
    }
  });
});
