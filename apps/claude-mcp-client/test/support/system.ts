/**
 * The real neighbours of the chat client, as processes: the gateway (with a YAML config written
 * for the test and its audit trail shipped to a receiver), and on request the SentraIP simulator
 * and the OAuth broker behind `sentraip_threat_check`. The chat client's own gateway key is
 * created through the gateway's admin API, as an operator would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, startServiceProcess, type ServiceProcess } from '@mcpgw/testing';
import { startAuditReceiver, type AuditReceiver } from './audit-receiver.js';
import { startForwarder, type Forwarder } from './forwarder.js';

const appsDir = fileURLToPath(new URL('../../../', import.meta.url));
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const CHAT_SERVICE_TOKEN = 'test-chat-service-token-0123456789';
const BROKER_TOKEN = 'test-broker-service-token-0123456789';
const COLLECTOR_TOKEN = 'test-collector-service-token-0123456789';
const SENTRAIP = { SENTRAIP_CLIENT_ID: 'chat-test-client', SENTRAIP_CLIENT_SECRET: 'chat-test-secret-123456' };
const BUILT_INS = ['sentraip_threat_check', 'tyk_api_analytics', 'claude_context_search'];

export interface SystemOptions {
  /** Start the SentraIP simulator and the broker (otherwise the threat check has no backend). */
  threatIntel?: boolean;
  /** Upstream MCP servers the gateway federates; their tools are granted as `<id>__*`. */
  upstreams?: ReadonlyArray<{ id: string; url: string }>;
}

export interface TestSystem {
  readonly gatewayUrl: string;
  readonly gateway: ServiceProcess;
  readonly simulator?: ServiceProcess;
  readonly broker?: ServiceProcess;
  readonly audit: AuditReceiver;
  /** The gateway's CHAT_URL; point it at a chat app with `setTarget`. */
  readonly chatForwarder: Forwarder;
  /** The chat client's own gateway API key (owner and client id `claude-mcp-client`, role `analyst`). */
  readonly chatKey: string;
  /** A gateway API key for a person using the chat (no roles: it only has to be valid). */
  createUserKey(owner: string): Promise<string>;
  close(): Promise<void>;
}

const baseEnv = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOST: '127.0.0.1', LOG_LEVEL: 'info' });

export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-test-'));
  const audit = await startAuditReceiver();
  const chatForwarder = await startForwarder();
  const started: ServiceProcess[] = [];
  try {
    let simulator: ServiceProcess | undefined;
    let broker: ServiceProcess | undefined;
    let brokerUrl = 'http://127.0.0.1:9';
    const brokerStart = options.threatIntel
      ? (async () => {
          simulator = await startServiceProcess({ appDir: path.join(appsDir, 'sentraip-simulator'), env: { ...baseEnv(), PORT: '0', ...SENTRAIP } });
          started.push(simulator);
          const port = await getFreePort();
          brokerUrl = `http://127.0.0.1:${port}`;
          return port;
        })()
      : Promise.resolve(undefined);
    const brokerPort = await brokerStart;
    const tools = [...BUILT_INS, ...(options.upstreams ?? []).map((u) => `${u.id}__*`)];
    const config = {
      auth: { anonymous: { enabled: false } },
      toolSets: { analyst: { requiredRole: 'analyst', tools } },
      clients: [{ id: 'claude-mcp-client', allowedTools: tools, rateLimit: { capacity: 10_000, refillPerSecond: 10_000 } }],
      defaultRateLimit: { capacity: 10_000, refillPerSecond: 10_000 },
      ipGate: { reputation: { enabled: false } },
      upstreams: (options.upstreams ?? []).map((u) => ({ id: u.id, transport: 'streamable-http', url: u.url, timeoutMs: 10_000 })),
    };
    // JSON is YAML: the gateway reads it as its YAML config file.
    const configFile = path.join(dir, 'gateway.yaml');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const [gateway] = await Promise.all([
      startServiceProcess({
        appDir: path.join(appsDir, 'gateway'),
        env: {
          ...baseEnv(),
          PORT: '0',
          GATEWAY_CONFIG: configFile,
          GATEWAY_ADMIN_KEY: ADMIN_KEY,
          BROKER_URL: brokerUrl,
          BROKER_SERVICE_TOKEN: BROKER_TOKEN,
          COLLECTOR_URL: audit.url,
          COLLECTOR_SERVICE_TOKEN: COLLECTOR_TOKEN,
          CHAT_URL: chatForwarder.url,
          CHAT_SERVICE_TOKEN,
        },
        timeoutMs: 60_000,
      }).then((g) => {
        started.push(g);
        return g;
      }),
      brokerPort !== undefined && simulator
        ? startServiceProcess({
            appDir: path.join(appsDir, 'sentraip-oauth-broker'),
            env: { ...baseEnv(), PORT: String(brokerPort), SENTRAIP_BASE_URL: simulator.url, BROKER_SERVICE_TOKEN: BROKER_TOKEN, ...SENTRAIP },
            timeoutMs: 60_000,
          }).then((b) => {
            broker = b;
            started.push(b);
          })
        : Promise.resolve(),
    ]);
    const createKey = async (owner: string, roles: string[], clientId?: string): Promise<string> => {
      const response = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ owner, roles, ...(clientId ? { client_id: clientId } : {}) }),
      });
      if (response.status !== 201) throw new Error(`admin key creation failed: HTTP ${response.status} ${await response.text()}`);
      return ((await response.json()) as { key: string }).key;
    };
    const chatKey = await createKey('claude-mcp-client', ['analyst'], 'claude-mcp-client');
    return {
      gatewayUrl: gateway.url,
      gateway,
      simulator,
      broker,
      audit,
      chatForwarder,
      chatKey,
      createUserKey: (owner) => createKey(owner, []),
      async close() {
        await Promise.all(started.map((p) => p.stop('SIGTERM', 10_000)));
        await Promise.all([audit.close(), chatForwarder.close(), rm(dir, { recursive: true, force: true })]);
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await Promise.all([audit.close(), chatForwarder.close(), rm(dir, { recursive: true, force: true })]);
    throw err;
  }
}
