import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import { describeWithRedis, type ServiceProcess } from '@mcpgw/testing';
import {
  BrokerClient,
  CLIENT_ID,
  expectNoSecrets,
  metricsText,
  startBroker,
  startSimulator,
} from './support/processes.js';

const WRONG_SECRET = 'Wrong-secret-never-logged-7d1e';

describeWithRedis('no secret in logs, metrics or error bodies (debug logging, Redis)', (redis) => {
  let sim: ServiceProcess;
  let good: ServiceProcess;
  let bad: ServiceProcess;
  let store: StateStore;
  const captured: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ LOG_LEVEL: 'debug' });
    good = await startBroker(sim.url, { REDIS_URL: redis.url, LOG_LEVEL: 'debug' });
    // Another client id, so the two brokers do not share a token record.
    bad = await startBroker(sim.url, {
      LOG_LEVEL: 'debug',
      SENTRAIP_CLIENT_ID: 'other-client',
      SENTRAIP_CLIENT_SECRET: WRONG_SECRET,
    });
    store = createStateStore({ redisUrl: redis.url, keyPrefix: 'brk:' });
  });
  afterAll(async () => {
    await store?.close();
    await Promise.all([good?.stop(), bad?.stop()]);
    await sim?.stop();
  });

  it('exercises success, refusal, validation and degraded paths', async () => {
    const ok = new BrokerClient(good.url);
    const refused = new BrokerClient(bad.url);
    const noToken = new BrokerClient(good.url, 4, 'svc-wrong-token-000000000000');
    const answers = await Promise.all([
      ok.lookup('ip', '203.0.113.9'),
      ok.lookup('domain', 'phish.example'),
      ok.lookup('ip', '999.1.1.1'),
      ok.batch({ targets: [{ type: 'ip', target: 'nope' }] }),
      noToken.lookup('ip', '203.0.113.9'),
      refused.lookup('ip', '203.0.113.9'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 400, 401, 200]);
    expect(answers[5]?.body).toMatchObject({ degraded: true, risk_level: 'unknown' });
    expect(answers[5]?.headers['x-broker-degraded-reason']).toBe('token_unavailable');
    captured.push(...answers.map((a) => JSON.stringify({ body: a.body, headers: a.headers })));
    for (const c of [ok, refused, noToken]) c.close();
    await expect
      .poll(() => bad.logRecords().find((r) => r['message'] === 'SentraIP token refresh failed'))
      .toMatchObject({
        reason: 'invalid_client',
        detail:
          'SentraIP token request failed after 1 attempt(s): SentraIP refused the token request (401)',
      });
  });

  it('has a leak check that does catch a planted secret or token', () => {
    expect(() => expectNoSecrets(['{"message":"x","detail":"sim_at_abc"}'])).toThrow();
    expect(() => expectNoSecrets(['token=abc123'], ['abc123'])).toThrow();
  });

  it('finds neither the client secrets nor the access token anywhere', async () => {
    const raw = await store.get(`oauth:token:${CLIENT_ID}`);
    const token = (JSON.parse(raw ?? '{}') as { access_token?: string }).access_token ?? '';
    expect(token).toMatch(/^sim_at_/);
    for (const url of [good.url, bad.url, sim.url]) {
      captured.push(await metricsText(url), await (await fetch(`${url}/ready`)).text());
    }
    const logs = [...good.lines(), ...bad.lines(), ...sim.lines()];
    expect(logs.some((l) => l.includes('"level":"debug"') || l.includes('"level":"info"'))).toBe(
      true,
    );
    expectNoSecrets(
      [...logs, ...captured],
      [
        token,
        WRONG_SECRET,
        Buffer.from(`other-client:${encodeURIComponent(WRONG_SECRET)}`).toString('base64'),
      ],
    );
  });
});
