import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { collectorClient, SERVICE_TOKEN, type CollectorClient } from '../support/client.js';
import { makeEvent } from '../support/events.js';
import { startInProcessCollector, type InProcessCollector } from '../support/in-process.js';
import { rawRequest, wrongBearerHeaders, type RawAnswer } from '@mcpgw/testing';

const GETS = [
  '/v1/audit',
  '/v1/analytics?api_id=x',
  '/v1/analytics/overview',
  '/v1/incidents',
  `/v1/incidents/${randomUUID()}`,
  '/v1/deadletters',
  '/v1/rules',
  '/V1/RULES',
  '/v1/rules/',
  '/v1/./rules',
  '/v1/%72ules',
  '/v1/nope',
];

const WRONG = wrongBearerHeaders(SERVICE_TOKEN);

describe('service-token authentication under hostile headers', () => {
  let running: InProcessCollector;
  let client: CollectorClient;

  beforeAll(async () => {
    running = await startInProcessCollector();
    client = collectorClient(running.url);
  });
  afterAll(async () => {
    await running?.stop();
  });

  const expect401 = (answer: RawAnswer, what: string) => {
    expect(answer.status, what).toBe(401);
    expect(answer.json?.['error'], what).toBe('UNAUTHORIZED');
    expect(answer.headers['www-authenticate'], what).toMatch(/^Bearer/);
    expect(answer.text.includes(SERVICE_TOKEN), what).toBe(false);
  };

  it('refuses every /v1 GET, in any path spelling, without the exact token', async () => {
    for (const path of GETS) {
      for (const authorization of WRONG) {
        const answer = await rawRequest(running.url, { path, headers: { authorization } });
        expect401(answer, `${path} ${JSON.stringify(authorization).slice(0, 60)}`);
      }
      expect401(await rawRequest(running.url, { path, headers: {} }), `${path} (none)`);
      expect401(
        await rawRequest(running.url, {
          path: `${path}${path.includes('?') ? '&' : '?'}access_token=${SERVICE_TOKEN}`,
        }),
        `${path} (token in query)`,
      );
    }
  });

  it('refuses arbitrary Authorization values (property)', async () => {
    const header = fc.oneof(
      fc.string({
        unit: fc.constantFrom(...'Bearer \t:,=+/abcXYZ0123456789-_.~'.split('')),
        maxLength: 60,
      }),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${SERVICE_TOKEN}${s}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        fc.pre(value.trim() !== `Bearer ${SERVICE_TOKEN}`);
        // Node refuses to send control characters in a header; strip them as a proxy would.
        const authorization = Array.from(value)
          .filter((c) => c === '\t' || (c >= ' ' && c !== '\u007f'))
          .join('');
        fc.pre(authorization.trim() !== `Bearer ${SERVICE_TOKEN}`);
        expect401(
          await rawRequest(running.url, { path: '/v1/rules', headers: { authorization } }),
          JSON.stringify(authorization),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('never stores events posted without the token', async () => {
    const api = `fz-unauth-${randomUUID()}`;
    const body = JSON.stringify({ events: [makeEvent({ api_id: api })] });
    for (const authorization of WRONG) {
      const answer = await rawRequest(running.url, {
        method: 'POST',
        path: '/v1/events',
        headers: { authorization, 'content-type': 'application/json' },
        body,
      });
      expect401(answer, JSON.stringify(authorization).slice(0, 60));
    }
    // A valid event sent with the token right after is processed, so the others would be too.
    const marker = makeEvent({ api_id: api });
    expect((await client.postEvents([marker])).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let stored: AuditEvent[] = [];
    while (Date.now() < deadline && stored.length === 0) {
      stored = (await client.audit(`api_id=${api}`)).body['events'] as AuditEvent[];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stored.map((e) => e.event_id)).toEqual([marker.event_id]);
  });

  // The service token is checked before the body is read (service-kit `guards`): an
  // unauthenticated caller gets 401, never a body error, and no body is parsed for it.
  it('refuses unauthenticated requests before reading their body (401, not 400/413)', async () => {
    for (const body of [
      '{not json',
      JSON.stringify({ events: [makeEvent({ endpoint: 'x'.repeat(2_000) })] }).repeat(600),
    ]) {
      const answer = await rawRequest(running.url, {
        method: 'POST',
        path: '/v1/events',
        headers: {
          authorization: 'Bearer wrong-token-0123456789',
          'content-type': 'application/json',
        },
        body,
      });
      expect401(answer, `${body.length} bytes`);
    }
  });
});
