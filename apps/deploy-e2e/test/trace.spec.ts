/**
 * One chat message, one trace: the chat client (offline planner) calls sentraip_threat_check on
 * the gateway over MCP, the gateway asks the broker, the broker asks the SentraIP simulator. All
 * five services run as real processes wired as the deployment wires them (secrets from
 * deploy/scripts/generate-secrets.mjs, the deployment's gateway policy), exporting to a local
 * OTLP/HTTP receiver. The spans of all four services on the path share one trace id, and the
 * gateway's audit log line for the call carries it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, startServiceProcess, type ServiceProcess } from '@mcpgw/testing';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlp-receiver.js';
import { generatedSecrets } from './support/overlays.js';
import { readYaml, ROOT } from './support/repo.js';

const CHAIN = ['claude-mcp-client', 'gateway', 'sentraip-oauth-broker', 'sentraip-simulator'];
const TARGET = '203.0.113.77';

let receiver: OtlpReceiver;
const processes: ServiceProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-trace-'));
let gateway: ServiceProcess;
let chatUrl: string;
let chatToken: string;

async function start(app: string, env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await startServiceProcess({
    appDir: join(ROOT, 'apps', app),
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...env,
    },
    timeoutMs: 90_000,
  });
  processes.push(proc);
  return proc;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const s = await generatedSecrets('compose');
  const sentraip = {
    SENTRAIP_CLIENT_ID: String(s['SENTRAIP_CLIENT_ID']),
    SENTRAIP_CLIENT_SECRET: String(s['SENTRAIP_CLIENT_SECRET']),
  };
  // The deployment's gateway policy, without the containerised sandbox upstream.
  const config = {
    ...(readYaml('deploy/k8s/base/config/gateway.yaml') as Record<string, unknown>),
    upstreams: [],
  };
  writeFileSync(join(dir, 'gateway.yaml'), JSON.stringify(config));
  const chatPort = await getFreePort();
  chatUrl = `http://127.0.0.1:${chatPort}`;
  chatToken = String(s['CHAT_SERVICE_TOKEN']);

  const simulator = await start('sentraip-simulator', sentraip);
  const [broker, collector] = await Promise.all([
    start('sentraip-oauth-broker', {
      ...sentraip,
      SENTRAIP_BASE_URL: simulator.url,
      BROKER_SERVICE_TOKEN: String(s['BROKER_SERVICE_TOKEN']),
    }),
    start('analytics-collector', {
      COLLECTOR_SERVICE_TOKEN: String(s['COLLECTOR_SERVICE_TOKEN']),
      GATEWAY_SERVICE_TOKEN: String(s['GATEWAY_SERVICE_TOKEN']),
    }),
  ]);
  gateway = await start('gateway', {
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    GATEWAY_ADMIN_KEY: String(s['GATEWAY_ADMIN_KEY']),
    GATEWAY_PROVISIONED_KEYS: String(s['GATEWAY_PROVISIONED_KEYS']),
    BROKER_URL: broker.url,
    COLLECTOR_URL: collector.url,
    CHAT_URL: chatUrl,
    BROKER_SERVICE_TOKEN: String(s['BROKER_SERVICE_TOKEN']),
    COLLECTOR_SERVICE_TOKEN: String(s['COLLECTOR_SERVICE_TOKEN']),
    CHAT_SERVICE_TOKEN: chatToken,
    GATEWAY_SERVICE_TOKEN: String(s['GATEWAY_SERVICE_TOKEN']),
  });
  await start('claude-mcp-client', {
    PORT: String(chatPort),
    GATEWAY_URL: gateway.url,
    CHAT_SERVICE_TOKEN: chatToken,
    CHAT_GATEWAY_API_KEY: String(s['CHAT_GATEWAY_API_KEY']),
  });
}, 240_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGTERM', 15_000)));
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Services with spans in one trace. */
const servicesOf = (spans: readonly ReceivedSpan[], traceId: string) =>
  [...new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service))].sort();

describe('one chat message, one trace', () => {
  it('spans chat client, gateway, broker and simulator, and the gateway log line carries the trace id', async () => {
    const res = await fetch(`${chatUrl}/chat`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${chatToken}`,
        'x-chat-user': 'trace-test',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ message: `Is ${TARGET} a threat?` }),
    });
    const body = (await res.json()) as {
      tools_called?: Array<{ name: string; is_error: boolean }>;
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.tools_called).toEqual([
      expect.objectContaining({ name: 'sentraip_threat_check', is_error: false }),
    ]);

    // The simulator's lookup span names the trace; the batch exporters send within ~5 s.
    const lookupTrace = (): string | undefined =>
      receiver
        .spans()
        .find(
          (s) =>
            s.service === 'sentraip-simulator' &&
            s.name.includes('threat') &&
            servicesOf(receiver.spans(), s.traceId).length === CHAIN.length,
        )?.traceId;
    const deadline = Date.now() + 30_000;
    while (lookupTrace() === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const traceId = lookupTrace();
    expect(
      traceId,
      `services per trace: ${JSON.stringify(receiver.spans().map((s) => [s.service, s.name, s.traceId.slice(0, 8)]))}`,
    ).toBeDefined();
    expect(servicesOf(receiver.spans(), String(traceId))).toEqual([...CHAIN].sort());

    // Every span of the trace but the root has its parent in the trace: one tree, not four.
    const spans = receiver.spans().filter((s) => s.traceId === traceId);
    const ids = new Set(spans.map((s) => s.spanId));
    expect(
      spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).map((s) => s.service),
    ).toEqual(['claude-mcp-client']);

    const audit = gateway
      .logRecords()
      .find(
        (r) =>
          r['message'] === 'audit' &&
          JSON.stringify(r['audit']).includes('sentraip_threat_check') &&
          JSON.stringify(r).includes(String(traceId)),
      );
    expect(audit, 'the gateway audit log line of the call carries the trace id').toBeDefined();
  }, 120_000);
});
