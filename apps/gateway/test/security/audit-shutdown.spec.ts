/**
 * A graceful shutdown of a real gateway process on the in-process store (where the outbox lives on
 * the heap and goes with the process): SIGTERM under load, and every call that was answered has
 * its audit event at the collector once the process has exited.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, startServiceProcess, type FakeMcpUpstream, type ServiceProcess } from '@mcpgw/testing';
import { startCollectorReceiver, type CollectorReceiver } from './support/collector-receiver.js';
import { callTool, freshTrace, sleep } from './support/rpc.js';

const appDir = fileURLToPath(new URL('../..', import.meta.url));

describe('graceful shutdown with the in-process store (gateway process)', () => {
  let upstream: FakeMcpUpstream;
  let receiver: CollectorReceiver;
  let dir: string;
  let gateway: ServiceProcess | undefined;

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
    receiver = await startCollectorReceiver();
    dir = await mkdtemp(join(tmpdir(), 'gw-shutdown-'));
  });
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await upstream?.close();
    await receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships every answered call’s audit event before the process exits', async () => {
    const configFile = join(dir, 'gateway.yaml');
    await writeFile(
      configFile,
      JSON.stringify({
        auth: { anonymous: { enabled: true, roles: ['echo-user'], rateLimit: { capacity: 100_000, refillPerSecond: 100_000 } } },
        toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
        ipGate: { reputation: { enabled: false } },
        upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
      }),
    );
    gateway = await startServiceProcess({
      appDir,
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        GATEWAY_CONFIG: configFile,
        COLLECTOR_URL: receiver.url,
        BROKER_URL: 'http://127.0.0.1:9',
        CHAT_URL: 'http://127.0.0.1:9',
      },
    });
    const mcpUrl = `${gateway.url}/mcp`;
    let stopping = false;
    const answered: string[] = [];
    const worker = async () => {
      for (let i = 0; i < 10_000 && !stopping; i += 1) {
        const { traceId, traceparent } = freshTrace();
        const answer = await callTool(mcpUrl, 'up__echo', { text: traceId }, { headers: { traceparent } }).catch(() => undefined);
        if (answer?.status === 200 && answer.json?.['result']) answered.push(traceId);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, () => worker()));
    for (let i = 0; i < 200 && answered.length < 100; i += 1) await sleep(25);
    const exit = await gateway.stop('SIGTERM');
    stopping = true;
    await load;
    expect(exit.code).toBe(0);
    expect(answered.length).toBeGreaterThanOrEqual(100);
    const shipped = new Set(receiver.received.filter((e) => e.type === 'mcp.request').map((e) => e.trace_id));
    expect(answered.filter((t) => !shipped.has(t))).toEqual([]);
  }, 60_000);
});
