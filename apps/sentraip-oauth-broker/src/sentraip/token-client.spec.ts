import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  hang,
  json,
  startFakeSentraip,
  type FakeSentraip,
} from '../../test/support/fake-sentraip.js';
import { metricValue, testRegistry } from '../../test/support/fakes.js';
import { TokenError } from '../errors.js';
import { createBrokerMetrics } from '../metrics.js';
import { createSentraipHttp, type SentraipHttp } from './http-client.js';
import { TokenClient } from './token-client.js';

const SECRET = 'p@ss word/with+chars';

describe('TokenClient', () => {
  let fake: FakeSentraip;
  let http: SentraipHttp;
  let registry: ReturnType<typeof testRegistry>;
  let client: TokenClient;

  beforeAll(async () => {
    fake = await startFakeSentraip();
    http = createSentraipHttp(fake.url, { maxSockets: 4 });
  });
  afterAll(async () => {
    http.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    registry = testRegistry();
    client = new TokenClient({
      http,
      clientId: 'client 1',
      clientSecret: SECRET,
      timeoutMs: 300,
      retries: 2,
      metrics: createBrokerMetrics(registry),
      baseDelayMs: 10,
    });
  });

  const failureOf = async (): Promise<TokenError> => {
    try {
      await client.fetch();
    } catch (err) {
      if (err instanceof TokenError) return err;
      throw err;
    }
    throw new Error('expected a TokenError');
  };

  it('posts the client-credentials grant with form-urlencoded Basic credentials', async () => {
    fake.handle((_req, res) =>
      json(res, 200, {
        access_token: 'at-1',
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'threat-intelligence',
      }),
    );
    expect(await client.fetch()).toMatchObject({ access_token: 'at-1', expires_in: 3600 });
    const [request] = fake.requests;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/oauth/token',
      body: 'grant_type=client_credentials&scope=threat-intelligence',
    });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const basic = Buffer.from(
      String(request?.headers.authorization).replace(/^Basic /, ''),
      'base64',
    ).toString();
    expect(basic).toBe(`${encodeURIComponent('client 1')}:${encodeURIComponent(SECRET)}`);
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'token',
        outcome: 'success',
      }),
    ).toBe(1);
  });

  it('retries a 500 a bounded number of times, then fails clearly', async () => {
    fake.handle((_req, res) => json(res, 500, { error: 'server_error' }));
    const err = await failureOf();
    expect(fake.requests).toHaveLength(3);
    expect(err).toMatchObject({ code: 'BRK_ERR_TOKEN_REFRESH_FAILED', reason: 'server_error' });
    expect(err.message).toBe(
      'SentraIP token request failed after 3 attempt(s): SentraIP failed the token request (500)',
    );
    expect(
      await metricValue(registry, 'sentraip_requests_total', {
        endpoint: 'token',
        outcome: 'server_error',
      }),
    ).toBe(3);
  });

  it('aborts a hanging token request at the timeout, a bounded number of times', async () => {
    fake.handle(hang);
    const started = performance.now();
    const err = await failureOf();
    expect(err.reason).toBe('timeout');
    expect(fake.requests).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(3 * 300 + 1_500);
    await expect.poll(() => fake.aborted).toBe(3);
  });

  it('never retries invalid_client (401) or another 4xx', async () => {
    fake.handle((_req, res) =>
      json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic' }),
    );
    expect((await failureOf()).reason).toBe('invalid_client');
    expect(fake.requests).toHaveLength(1);
    fake.handle((_req, res) => json(res, 400, { error: 'unsupported_grant_type' }));
    expect((await failureOf()).reason).toBe('rejected');
    expect(fake.requests).toHaveLength(2);
  });

  it('honours Retry-After on 429', async () => {
    let calls = 0;
    fake.handle((_req, res) =>
      ++calls === 1
        ? json(res, 429, { error: 'slow_down' }, { 'retry-after': '1' })
        : json(res, 200, { access_token: 'at-2', token_type: 'Bearer', expires_in: 60 }),
    );
    const started = performance.now();
    expect((await client.fetch()).access_token).toBe('at-2');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('refuses a malformed token response without retrying, and never echoes the secret', async () => {
    fake.handle((_req, res) =>
      json(res, 200, { access_token: 'at', token_type: 'mac', expires_in: 60 }),
    );
    const err = await failureOf();
    expect(err.reason).toBe('invalid_response');
    expect(fake.requests).toHaveLength(1);
    expect(JSON.stringify({ message: err.message, err })).not.toContain(SECRET);
  });

  it('reports an unreachable endpoint as a network failure', async () => {
    const down = createSentraipHttp('http://127.0.0.1:9', { maxSockets: 1 });
    const offline = new TokenClient({
      http: down,
      clientId: 'c',
      clientSecret: SECRET,
      timeoutMs: 300,
      retries: 1,
      metrics: createBrokerMetrics(testRegistry()),
      baseDelayMs: 10,
    });
    await expect(offline.fetch()).rejects.toMatchObject({
      reason: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    down.close();
  });
});
