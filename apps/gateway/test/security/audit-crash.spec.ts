/**
 * Attack suite — `kill -9` of a real gateway process under load (shared Redis outbox): every call
 * that reached the upstream has its write-ahead `mcp.forward` record in the outbox after the
 * restart, and once the restarted gateway's relay has caught up (claiming the batch the dead one
 * held) the receiver standing in for the collector holds every outbox event — no gaps.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStateStore, type StateStore } from '@mcpgw/state';
import {
  describeWithRedis,
  echoTool,
  startFakeMcpUpstream,
  startServiceProcess,
  type FakeMcpUpstream,
  type ServiceProcess,
} from '@mcpgw/testing';
import { startCollectorReceiver, type CollectorReceiver } from './support/collector-receiver.js';
import { recordedEvents } from './support/outbox.js';
import { callTool, freshTrace, sleep } from './support/rpc.js';

const appDir = fileURLToPath(new URL('../..', import.meta.url));

describeWithRedis('kill -9 under load (gateway processes, real Redis)', (redis) => {
  let upstream: FakeMcpUpstream;
  let receiver: CollectorReceiver;
  let dir: string;
  let env: Record<string, string>;
  let store: StateStore;
  const processes: ServiceProcess[] = [];

  beforeAll(async () => {
    upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
    // A slow collector: the dead gateway is likely to die holding a batch the collector never took.
    receiver = await startCollectorReceiver({ holdMs: 150 });
    dir = await mkdtemp(join(tmpdir(), 'gw-crash-'));
    const configFile = join(dir, 'gateway.yaml');
    // JSON is YAML: the gateway reads it like any config file.
    await writeFile(
      configFile,
      JSON.stringify({
        auth: {
          anonymous: {
            enabled: true,
            roles: ['echo-user'],
            rateLimit: { capacity: 100_000, refillPerSecond: 100_000 },
          },
        },
        toolSets: { echoers: { requiredRole: 'echo-user', tools: ['up__echo'] } },
        ipGate: { reputation: { enabled: false } },
        upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
      }),
    );
    env = {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      REDIS_URL: redis.url,
      GATEWAY_CONFIG: configFile,
      COLLECTOR_URL: receiver.url,
      COLLECTOR_SERVICE_TOKEN: 'svc-collector-token-for-crash-tests',
      BROKER_URL: 'http://127.0.0.1:9',
      CHAT_URL: 'http://127.0.0.1:9',
    };
    store = createStateStore({ redisUrl: redis.url, keyPrefix: 'gw:' });
  });
  afterAll(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    await store?.close();
    await upstream?.close();
    await receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every forwarded call is on record after the crash, and the collector side has no gaps once caught up', async () => {
    const first = await startServiceProcess({ appDir, env });
    processes.push(first);
    const mcpUrl = `${first.url}/mcp`;

    let crashed = false;
    const sent: string[] = [];
    const worker = async () => {
      for (let i = 0; i < 10_000 && !crashed; i += 1) {
        const { traceId, traceparent } = freshTrace();
        sent.push(traceId);
        await callTool(mcpUrl, 'up__echo', { text: traceId }, { headers: { traceparent } }).catch(
          () => undefined,
        );
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, () => worker()));
    // Bounded wait for the load to be in full swing, then the crash.
    for (let i = 0; i < 200 && upstream.calls.length < 150; i += 1) await sleep(25);
    first.child.kill('SIGKILL');
    const exit = await first.exited;
    crashed = true;
    await load;
    expect(exit.signal).toBe('SIGKILL');
    expect(upstream.calls.length).toBeGreaterThanOrEqual(150);

    const second = await startServiceProcess({ appDir, env });
    processes.push(second);

    // Every call that reached the upstream has its write-ahead record in the outbox.
    const outbox = await recordedEvents(store, receiver);
    const recorded = new Set(outbox.filter((e) => e.type === 'mcp.forward').map((e) => e.trace_id));
    const reached = upstream.calls.map(
      (c) => /^00-([0-9a-f]{32})-/.exec(c.headers['traceparent'] ?? '')?.[1],
    );
    expect(reached.every((t) => t !== undefined && sent.includes(t))).toBe(true);
    expect(reached.filter((t) => !recorded.has(t))).toEqual([]);

    // The restarted gateway's relay ships what the dead one had not (claiming its in-flight batch).
    const expected = new Set(outbox.map((e) => e.event_id));
    const missing = () => [...expected].filter((id) => !receiver.ids().has(id));
    for (let i = 0; i < 400 && missing().length > 0; i += 1) await sleep(100);
    expect(missing()).toEqual([]);
    await second.stop();
  }, 60_000);
});
