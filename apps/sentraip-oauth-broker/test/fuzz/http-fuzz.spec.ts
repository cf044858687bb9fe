import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leaksInternals, rawRequest, wrongBearerHeaders, type RawAnswer } from '@mcpgw/testing';
import { CLIENT_SECRET, SERVICE_TOKEN, simStats } from '../support/processes.js';
import { useSimulatedBroker } from '../support/simulated-broker.js';

const JSON_AUTH = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };

const WRONG = [...wrongBearerHeaders(SERVICE_TOKEN), `Bearer ${CLIENT_SECRET}`];

describe('broker HTTP surface under hostile input (simulator, memory store)', () => {
  const stack = useSimulatedBroker({ SIM_RATE_LIMIT_PER_HOUR: '1000000' });

  const send = async (
    path: string,
    headers: Record<string, string | string[]>,
    body?: string | Buffer,
  ): Promise<RawAnswer> => {
    const answer = await rawRequest(stack.broker.url, {
      method: body === undefined ? 'GET' : 'POST',
      path,
      headers,
      body,
    });
    stack.bodies.push(answer.text);
    return answer;
  };
  const batch = (body: string | Buffer, headers: Record<string, string | string[]> = JSON_AUTH) =>
    send('/v1/threat/batch', headers, body);

  it('refuses lookups and batches without the exact service token, in any path spelling, asking SentraIP nothing', async () => {
    const before = (await simStats(stack.sim.url)).lookups;
    const body = JSON.stringify({ targets: [{ type: 'ip', target: '198.18.1.1' }] });
    for (const authorization of WRONG) {
      for (const path of [
        '/v1/threat/ip/198.18.1.1',
        '/V1/THREAT/ip/198.18.1.1',
        '/v1/threat/ip/198.18.1.1?token=x',
      ]) {
        const answer = await send(path, { authorization });
        expect(answer.status, `${path} ${JSON.stringify(authorization).slice(0, 50)}`).toBe(401);
        expect(answer.json?.['error']).toBe('UNAUTHORIZED');
      }
      const posted = await batch(body, { authorization, 'content-type': 'application/json' });
      expect(posted.status).toBe(401);
    }
    expect((await send(`/v1/threat/ip/198.18.1.1?access_token=${SERVICE_TOKEN}`, {})).status).toBe(
      401,
    );
    expect((await simStats(stack.sim.url)).lookups).toBe(before);
  });

  it('answers any JSON batch body with 200 or 400 naming the bad items; never 5xx (property)', async () => {
    const item = fc.oneof(
      fc.record({
        type: fc.constantFrom('ip', 'domain'),
        target: fc.oneof(fc.ipV4(), fc.domain()),
      }),
      fc.record(
        { type: fc.jsonValue({ maxDepth: 1 }), target: fc.jsonValue({ maxDepth: 1 }) },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const body = fc.oneof(
      fc.record({ targets: fc.array(item, { maxLength: 5 }) }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const answer = await batch(JSON.stringify(value));
        expect([200, 400]).toContain(answer.status);
        expect(leaksInternals(answer.text)).toBe(false);
        if (answer.status === 200) {
          const targets = (value as { targets: unknown[] }).targets;
          expect((answer.json?.['verdicts'] as unknown[]).length).toBe(targets.length);
          return;
        }
        const error = answer.json?.['error'];
        expect(['BRK_ERR_INVALID_TARGET', 'INVALID_JSON']).toContain(error);
        if (error === 'BRK_ERR_INVALID_TARGET') {
          const details = answer.json?.['details'] as Array<{ field: string }>;
          expect(details.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('refuses 101 targets, unknown keys and __proto__ anywhere in a batch', async () => {
    const item = { type: 'ip', target: '198.18.2.2' };
    const cases: Array<[string, string]> = [
      [JSON.stringify({ targets: Array.from({ length: 101 }, () => item) }), 'targets'],
      [JSON.stringify({ targets: [item], more: 1 }), 'more'],
      [`{"targets":[${JSON.stringify(item)}],"__proto__":{"polluted":1}}`, '__proto__'],
      [
        `{"targets":[{"type":"ip","target":"198.18.2.2","__proto__":{"polluted":1}}]}`,
        'targets[0].__proto__',
      ],
      [JSON.stringify({ targets: [{ ...item, constructor: 'x' }] }), 'targets[0].constructor'],
      [
        JSON.stringify({ targets: [item, { type: 'ip', target: ['198.18.2.2'] }] }),
        'targets[1].target',
      ],
    ];
    for (const [body, field] of cases) {
      const answer = await batch(body);
      expect(answer.status, body.slice(0, 80)).toBe(400);
      expect((answer.json?.['details'] as Array<{ field: string }>).map((d) => d.field)).toContain(
        field,
      );
    }
    const ok = await batch(JSON.stringify({ targets: Array.from({ length: 100 }, () => item) }));
    expect(ok.status).toBe(200);
  });

  it('answers batch bodies it cannot use with a 4xx: wrong type, bad charset, unknown encoding', async () => {
    const body = JSON.stringify({ targets: [{ type: 'ip', target: '198.18.3.3' }] });
    const auth = { authorization: `Bearer ${SERVICE_TOKEN}` };
    expect((await batch(body, auth)).status).toBe(400);
    expect((await batch(body, { ...auth, 'content-type': 'text/plain' })).status).toBe(400);
    expect((await batch(body, { ...JSON_AUTH, 'content-encoding': 'compress' })).status).toBe(415);
    expect(
      (await batch(body, { ...auth, 'content-type': 'application/json; charset=latin1' })).status,
    ).toBe(415);
    expect((await batch('x'.repeat(70_000), JSON_AUTH)).status).toBe(413);
    const gz = await batch(gzipSync(body), { ...JSON_AUTH, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
  });

  // Regression: body-parser reports a body that does not inflate as an exposed http-errors 400
  // without a `type`; service-kit's toHttpError used to map it to 500 INTERNAL.
  it('answers a body that does not match its Content-Encoding with 400, not 500', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const answer = await batch('{"targets":[]}', { ...JSON_AUTH, 'content-encoding': encoding });
      expect(answer.status, encoding).toBe(400);
    }
  });

  // The service token is checked before the body is read (service-kit `guards`): an
  // unauthenticated caller gets 401, never a body error, and no body is parsed for it.
  it('refuses unauthenticated batches before reading their body (401, not 400/413)', async () => {
    for (const body of ['{not json', 'x'.repeat(70_000)]) {
      const answer = await batch(body, {
        authorization: 'Bearer wrong-token-0123456789',
        'content-type': 'application/json',
      });
      expect(answer.status, `${body.length} bytes`).toBe(401);
    }
  });

  it('never shows the client secret, the Basic credentials or a SentraIP token in answers or logs', () => {
    expect(stack.bodies.length).toBeGreaterThan(50);
    stack.expectNoLeaks();
  });
});
