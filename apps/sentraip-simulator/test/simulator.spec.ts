import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basicAuth,
  CLIENT_ID,
  CLIENT_SECRET,
  fetchToken,
  startInProcessSimulator,
  type InProcessSimulator,
} from './sim-harness.js';

const FORM = 'application/x-www-form-urlencoded';

async function tokenRequest(url: string, init: { auth?: string; body?: string; type?: string }) {
  const headers: Record<string, string> = { 'content-type': init.type ?? FORM };
  if (init.auth) headers['authorization'] = init.auth;
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers,
    body: init.body ?? '',
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function lookup(url: string, path: string, token?: string) {
  const response = await fetch(`${url}/v1/threat-intelligence/${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function setFaults(url: string, faults: Record<string, unknown>) {
  const response = await fetch(`${url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const stats = async (url: string) =>
  (await (await fetch(`${url}/_sim/stats`)).json()) as Record<string, number>;

describe('simulator token endpoint', () => {
  let sim: InProcessSimulator;
  beforeAll(async () => {
    sim = await startInProcessSimulator({ SIM_TOKEN_EXPIRES_IN: '120' });
  });
  afterAll(() => sim.close());

  it('issues a bearer token for Basic client credentials, uncacheable', async () => {
    const res = await tokenRequest(sim.url, {
      auth: basicAuth(),
      body: 'grant_type=client_credentials&scope=threat-intelligence',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'threat-intelligence',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts credentials in the form body and a missing scope', async () => {
    const res = await tokenRequest(sim.url, {
      body: `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
    });
    expect(res.status).toBe(200);
    expect(res.body['scope']).toBe('threat-intelligence');
  });

  it('answers invalid_client 401 with a Basic challenge for a wrong secret, and counts no token', async () => {
    const before = await stats(sim.url);
    const res = await tokenRequest(sim.url, {
      auth: basicAuth(CLIENT_ID, 'wrong-secret'),
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    expect(res.body['error']).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="sentraip"');
    expect((await stats(sim.url))['tokens_issued']).toBe(before['tokens_issued']);
  });

  it('answers invalid_client when no credentials are presented', async () => {
    expect(
      (await tokenRequest(sim.url, { body: 'grant_type=client_credentials' })).body['error'],
    ).toBe('invalid_client');
  });

  it('answers unsupported_grant_type 400, invalid_request and invalid_scope', async () => {
    const grant = await tokenRequest(sim.url, { auth: basicAuth(), body: 'grant_type=password' });
    expect(grant).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const missing = await tokenRequest(sim.url, {
      auth: basicAuth(),
      body: 'scope=threat-intelligence',
    });
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const both = await tokenRequest(sim.url, {
      auth: basicAuth(),
      body: `grant_type=client_credentials&client_id=${CLIENT_ID}`,
    });
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const scope = await tokenRequest(sim.url, {
      auth: basicAuth(),
      body: 'grant_type=client_credentials&scope=admin',
    });
    expect(scope).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('ignores a JSON body: the grant is form-encoded only', async () => {
    const res = await tokenRequest(sim.url, {
      auth: basicAuth(),
      type: 'application/json',
      body: '{"grant_type":"client_credentials"}',
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('simulator threat API', () => {
  let sim: InProcessSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startInProcessSimulator();
    token = (await fetchToken(sim.url)).access_token;
  });
  afterAll(() => sim.close());

  it('answers a malicious IP with the full body and the X-SentraIP headers', async () => {
    const res = await lookup(sim.url, 'ip/203.0.113.9', token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      target: '203.0.113.9',
      type: 'ip',
      threat_score: 9,
      risk_level: 'critical',
      country: 'NL',
      asn: 'AS64500',
    });
    expect(res.headers.get('x-sentraip-risk-score')).toBe('9');
    expect(res.headers.get('x-sentraip-threats')).toBe('botnet,scanner,brute-force');
    expect(res.headers.get('x-last-updated')).toBe('2025-06-01T12:45:00Z');
    expect(res.headers.get('x-data-source')).toBe('sentraip-honeypots,abuse-reports');
  });

  it('answers clean targets and domains deterministically', async () => {
    expect((await lookup(sim.url, 'ip/192.0.2.1', token)).body).toMatchObject({
      threat_score: 0,
      risk_level: 'low',
    });
    expect((await lookup(sim.url, 'domain/cdn.malware.example', token)).body).toMatchObject({
      threat_score: 9,
      type: 'domain',
    });
    expect(
      (await lookup(sim.url, `ip/${encodeURIComponent('2001:db8:bad::9')}`, token)).body,
    ).toMatchObject({ threat_score: 9 });
  });

  it('refuses a missing, forged or expired token with 401 and counts the lookup', async () => {
    const before = (await stats(sim.url))['lookups'] ?? 0;
    const missing = await lookup(sim.url, 'ip/203.0.113.9');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="sentraip"');
    const forged = await lookup(sim.url, 'ip/203.0.113.9', 'sim_at_forged');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await stats(sim.url))['lookups']).toBe(before + 2);
  });

  it('answers 400 for a target that is not an IP or domain', async () => {
    expect((await lookup(sim.url, 'ip/999.1.1.1', token)).status).toBe(400);
    expect((await lookup(sim.url, 'domain/not_a_domain', token)).status).toBe(400);
  });
});

describe('simulator token expiry', () => {
  let sim: InProcessSimulator;
  beforeAll(async () => {
    sim = await startInProcessSimulator({ SIM_TOKEN_EXPIRES_IN: '1' });
  });
  afterAll(() => sim.close());

  it('stops accepting a token once its lifetime passed', async () => {
    const { access_token, expires_in } = await fetchToken(sim.url);
    expect(expires_in).toBe(1);
    expect((await lookup(sim.url, 'ip/192.0.2.1', access_token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await lookup(sim.url, 'ip/192.0.2.1', access_token)).status).toBe(401);
  });
});

describe('simulator rate limit and faults', () => {
  let sim: InProcessSimulator;
  let token: string;
  beforeAll(async () => {
    sim = await startInProcessSimulator({ SIM_RATE_LIMIT_PER_HOUR: '2' }, () => 0.5);
    token = (await fetchToken(sim.url)).access_token;
  });
  afterAll(() => sim.close());

  it('answers 429 with Retry-After once the hourly limit is used up', async () => {
    expect(
      (await lookup(sim.url, 'ip/192.0.2.1', token)).headers.get('x-ratelimit-remaining'),
    ).toBe('1');
    expect((await lookup(sim.url, 'ip/192.0.2.2', token)).status).toBe(200);
    const limited = await lookup(sim.url, 'ip/192.0.2.3', token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('changes knobs through POST /_sim/faults and reports them', async () => {
    const set = await setFaults(sim.url, { rate_limit_per_hour: 1000, error_rate: 0.4 });
    expect(set).toMatchObject({
      status: 200,
      body: { rate_limit_per_hour: 1000, error_rate: 0.4, token_endpoint: 'up' },
    });
    // random() is 0.5 here: 0.4 lets the request through, 0.6 fails it
    expect((await lookup(sim.url, 'ip/192.0.2.4', token)).status).toBe(200);
    await setFaults(sim.url, { error_rate: 0.6 });
    expect(await lookup(sim.url, 'ip/192.0.2.4', token)).toMatchObject({
      status: 500,
      body: { error: 'server_error' },
    });
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toMatchObject({ error_rate: 0.6 });
    await setFaults(sim.url, { reset: true, rate_limit_per_hour: 1000 });
  });

  it('runs a 429 storm with Retry-After 1', async () => {
    await setFaults(sim.url, { rate_limit_storm: true });
    const res = await lookup(sim.url, 'ip/192.0.2.5', token);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    await setFaults(sim.url, { rate_limit_storm: false });
  });

  it('adds latency', async () => {
    await setFaults(sim.url, { latency_ms: 300 });
    const started = performance.now();
    expect((await lookup(sim.url, 'ip/192.0.2.6', token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await setFaults(sim.url, { latency_ms: 0 });
  });

  it('takes the token endpoint down (500) and makes it hang', async () => {
    await setFaults(sim.url, { token_endpoint: 'down' });
    const down = await tokenRequest(sim.url, {
      auth: basicAuth(),
      body: 'grant_type=client_credentials',
    });
    expect(down.status).toBe(500);
    await setFaults(sim.url, { token_endpoint: 'hang' });
    const started = performance.now();
    await expect(
      fetch(`${sim.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(), 'content-type': FORM },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(500),
      }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    await setFaults(sim.url, { token_endpoint: 'up' });
    expect((await fetchToken(sim.url)).access_token).toMatch(/^sim_at_/);
  });

  it('rejects bad fault settings with 400 naming the field', async () => {
    const res = await setFaults(sim.url, { error_rate: 2, token_endpoint: 'sideways', bogus: 1 });
    expect(res.status).toBe(400);
    const fields = (res.body['details'] as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['error_rate', 'token_endpoint', 'bogus']));
  });

  it('counts token requests by outcome on /metrics', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    expect(text).toMatch(
      /sentraip_sim_token_requests_total\{[^}]*outcome="endpoint_down"[^}]*\} 1/,
    );
    expect(text).toMatch(/sentraip_sim_lookups_total\{[^}]*outcome="rate_limited"/);
  });
});

describe('simulator admin token', () => {
  let sim: InProcessSimulator;
  beforeAll(async () => {
    sim = await startInProcessSimulator({ SIM_ADMIN_TOKEN: 'sim-admin-token-0123456789' });
  });
  afterAll(() => sim.close());

  it('guards /_sim/* when SIM_ADMIN_TOKEN is set', async () => {
    expect((await fetch(`${sim.url}/_sim/stats`)).status).toBe(401);
    const ok = await fetch(`${sim.url}/_sim/stats`, {
      headers: { authorization: 'Bearer sim-admin-token-0123456789' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ tokens_issued: 0, lookups: 0 });
  });
});
