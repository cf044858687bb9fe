/**
 * `/ready` reports the gateway's real dependency: with REDIS_URL set, the state store is a real
 * Redis; stopping it makes the gateway unready (503, check named) and bringing it back makes it
 * ready again without a restart of the gateway.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startServiceProcess, type ServiceProcess } from '@mcpgw/testing';

const appDir = fileURLToPath(new URL('..', import.meta.url));

async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describeWithRedis(
  'gateway readiness against a real Redis',
  (redis) => {
    let gateway: ServiceProcess;

    beforeAll(async () => {
      gateway = await startServiceProcess({
        appDir,
        env: { PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url, LOG_LEVEL: 'info' },
      });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it('is ready while Redis answers', async () => {
      await expect.poll(async () => (await readiness(gateway.url)).status, { timeout: 10_000 }).toBe(200);
      expect((await readiness(gateway.url)).body).toMatchObject({ checks: { 'state-store': 'ok' } });
    });

    it('turns unready with the check named when Redis stops, and ready again when it returns', async () => {
      await redis.server.stop();
      await expect.poll(async () => (await readiness(gateway.url)).status, { timeout: 10_000 }).toBe(503);
      expect((await readiness(gateway.url)).body).toMatchObject({
        status: 'not_ready',
        checks: { 'state-store': 'STORE_UNAVAILABLE' },
      });
      await redis.server.restart();
      await expect.poll(async () => (await readiness(gateway.url)).status, { timeout: 15_000 }).toBe(200);
    }, 40_000);
  },
  { requireBinary: true },
);
