import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@mcpgw/telemetry';
import { createServiceApp } from './create-app.js';
import { listen, type RunningServer } from './http-server.js';
import { requireServiceToken } from './service-token.js';

const TOKEN = 'svc_0123456789abcdef0123456789abcdef';
let server: RunningServer;

beforeAll(async () => {
  const app = createServiceApp({
    service: 'token-test',
    version: '1',
    logger: createLogger({ service: 'token-test', stream: new PassThrough() }),
    registry: new Registry(),
    isShuttingDown: () => false,
    routes: (a) => {
      a.get('/internal', requireServiceToken(TOKEN), (_req, res) => { res.json({ ok: true }); });
      a.get('/unconfigured', requireServiceToken(undefined), (_req, res) => { res.json({ ok: true }); });
    },
  });
  server = await listen(app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => { await server.drain(500); });

const call = (path: string, authorization?: string) =>
  fetch(`${server.url}${path}`, { headers: authorization ? { authorization } : {} });

describe('requireServiceToken', () => {
  it('admits the configured token', async () => {
    expect((await call('/internal', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it.each([
    ['missing', undefined],
    ['wrong token', 'Bearer svc_wrong_wrong_wrong_wrong_wrong'],
    ['prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['wrong scheme', `Basic ${TOKEN}`],
  ])('refuses a %s credential with 401', async (_name, authorization) => {
    const res = await call('/internal', authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    const body = await res.text();
    expect(body).not.toContain(TOKEN);
    expect(JSON.parse(body)).toMatchObject({ error: 'UNAUTHORIZED' });
  });

  it('fails closed when no token is configured', async () => {
    expect((await call('/unconfigured', `Bearer ${TOKEN}`)).status).toBe(401);
    expect((await call('/unconfigured')).status).toBe(401);
  });
});
