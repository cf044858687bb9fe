/**
 * The system under test: the fixture upstream and the real gateway process (its build, as its
 * image runs it: see build.ts, which must have run) on the chosen Node binary, the gateway pinned to core 0 and the upstream
 * (and redis-server, when the scenario uses Redis) to core 1 with the load generator when taskset
 * exists, a collector stand-in draining the audit outbox, and — when the scenario authenticates
 * with an API key — a key created through the admin API, so calls take the authenticated path.
 * With `floor`, also the floor proxy (floor-proxy.ts) on the gateway's core and Node.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './build.js';
import { gatewayImageNodeFlags } from './image-flags.js';
import { freePort, startCollectorSink, startProcess, type BenchProcess } from './processes.js';
import { startRedis, type BenchRedis } from './redis-server.js';
import { DEFAULT_SCENARIO, callerRoles, gatewayFileConfig, type Scenario } from './scenarios.js';

export const GATEWAY_CPU = 0;
export const LOADER_CPU = 1;
/** The children's PATH (to find taskset); nothing else is inherited from the benchmark. */
const CHILD_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface Stack {
  scenario: Scenario;
  upstream: BenchProcess;
  gateway: BenchProcess;
  /** The floor proxy (a do-nothing MCP forwarder), when asked for. */
  floor?: BenchProcess;
  /** The scenario's own redis-server, when it uses Redis. */
  redis?: BenchRedis;
  /**
   * MCP headers every request carries (the same for direct and gateway), with `Authorization`
   * when the scenario authenticates with an API key.
   */
  headers: Record<string, string>;
  /** Creates an API key through the admin API; returns the key. */
  createKey(input: { roles: readonly string[]; clientId?: string }): Promise<string>;
  directUrl: string;
  gatewayUrl: string;
  /** `<floor>/mcp`, when the floor proxy runs. */
  floorUrl?: string;
  auditEventsShipped(): number;
  /** Shipped audit events whose decision is `error` (see startCollectorSink). */
  auditErrorsShipped(): number;
  /** Spans the gateway exported to the stand-in (`exportTraces`; 0 otherwise). */
  spansExported(): number;
  close(): Promise<void>;
}

export interface StackOptions {
  repoRoot: string;
  node: string;
  logLevel: string;
  /** Node flags for the gateway process before its entry point (e.g. `--trace-gc`). */
  gatewayNodeArgs?: readonly string[];
  /** NODE_OPTIONS of the gateway process (e.g. V8 heap flags, as a deployment sets them); none by default. */
  gatewayNodeOptions?: string;
  /** Default: {@link DEFAULT_SCENARIO}, what the throughput and soak runs measure. */
  scenario?: Scenario;
  /** Start the floor proxy as well (throughput runs). */
  floor?: boolean;
  /** Keep the directory with the processes' output (`--keep-logs`) instead of removing it. */
  keepLogs?: boolean;
  /** The gateway's `GATEWAY_BUSY_POLL_US` (`--busy-poll`, ADR 0010); off when absent or 0. */
  gatewayBusyPollUs?: number;
  /**
   * Point the gateway's `OTEL_EXPORTER_OTLP_ENDPOINT` at the collector stand-in (`--traces`): spans
   * are recorded and exported over OTLP/HTTP, as where a deployment collects traces. Off: the
   * gateway's default, ids-only spans (ADR 0003).
   */
  exportTraces?: boolean;
}

/** MCP headers of every benchmark request, without credentials. */
export const MCP_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

export async function startStack(options: StackOptions): Promise<Stack> {
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-bench-'));
  const cleanups: Array<() => Promise<void> | void> = [
    () =>
      options.keepLogs
        ? console.error(`the processes' output and the gateway's config are kept in ${dir}`)
        : rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const sink = await startCollectorSink();
    cleanups.push(() => sink.close());
    /** A compiled script of tools/bench on the chosen Node, given its port as first argument. */
    const startBenchScript = async (name: string, script: string, args: string[], cpu: number) => {
      const port = await freePort();
      const started = await startProcess({
        name,
        port,
        node: options.node,
        args: [join(options.repoRoot, SCRIPTS_DIR, script), String(port), ...args],
        cwd: options.repoRoot,
        env: { PATH: CHILD_PATH },
        logFile: join(dir, `${name}.log`),
        cpu,
      });
      cleanups.push(() => started.stop());
      return started;
    };
    const upstream = await startBenchScript(
      'upstream',
      'lean-upstream.js',
      ['--schema', scenario.schema],
      LOADER_CPU,
    );

    let redis: BenchRedis | undefined;
    if (scenario.redis) {
      const started = await startRedis({ cpu: LOADER_CPU });
      redis = started;
      cleanups.push(() => started.stop());
    }

    const adminKey = `bench-admin-${randomBytes(24).toString('hex')}`;
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(configFile, JSON.stringify(gatewayFileConfig(scenario, `${upstream.url}/mcp`)));
    const closed = 'http://127.0.0.1:9';
    const gatewayPort = await freePort();
    const gateway = await startProcess({
      name: 'gateway',
      port: gatewayPort,
      node: options.node,
      // As its image runs it (image-flags.ts; source maps are opt-in there, ADR 0006).
      args: [
        ...gatewayImageNodeFlags(options.repoRoot),
        ...(options.gatewayNodeArgs ?? []),
        'dist/main.js',
      ],
      cwd: join(options.repoRoot, 'apps', 'gateway'),
      env: {
        PATH: CHILD_PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        LOG_LEVEL: options.logLevel,
        ...(options.gatewayNodeOptions ? { NODE_OPTIONS: options.gatewayNodeOptions } : {}),
        GATEWAY_CONFIG: configFile,
        GATEWAY_ADMIN_KEY: adminKey,
        COLLECTOR_URL: sink.url,
        ...(options.exportTraces ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
        BROKER_URL: closed,
        CHAT_URL: closed,
        ...(redis ? { REDIS_URL: redis.url } : {}),
        ...(options.gatewayBusyPollUs
          ? { GATEWAY_BUSY_POLL_US: String(options.gatewayBusyPollUs) }
          : {}),
      },
      logFile: join(dir, 'gateway.log'),
      cpu: GATEWAY_CPU,
    });
    cleanups.push(() => gateway.stop());

    const floor = options.floor
      ? await startBenchScript('floor', 'floor-proxy.js', [upstream.url], GATEWAY_CPU)
      : undefined;

    const createKey = (input: { roles: readonly string[]; clientId?: string }) =>
      createApiKey(gateway.url, adminKey, input);
    const headers: Record<string, string> = { ...MCP_HEADERS };
    if (scenario.apiKey)
      headers['authorization'] = `Bearer ${await createKey({ roles: callerRoles(scenario) })}`;
    return {
      scenario,
      upstream,
      gateway,
      ...(redis ? { redis } : {}),
      ...(floor ? { floor, floorUrl: `${floor.url}/mcp` } : {}),
      headers,
      createKey,
      directUrl: `${upstream.url}/mcp`,
      gatewayUrl: `${gateway.url}/mcp`,
      auditEventsShipped: () => sink.events(),
      auditErrorsShipped: () => sink.errors(),
      spansExported: () => sink.spans(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `POST /admin/keys` (body as in apps/gateway/src/admin/admin-routes.ts); returns the key. */
async function createApiKey(
  gatewayUrl: string,
  adminKey: string,
  input: { roles: readonly string[]; clientId?: string },
): Promise<string> {
  const created = await fetch(`${gatewayUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      owner: 'benchmark',
      roles: input.roles,
      ...(input.clientId ? { client_id: input.clientId } : {}),
    }),
  });
  const body = (await created.json()) as { key?: unknown };
  if (created.status !== 201 || typeof body.key !== 'string')
    throw new Error(`creating an API key failed: HTTP ${created.status} ${JSON.stringify(body)}`);
  return body.key;
}

/** The `tools/call` request both targets get: the same 1 KB argument, the tool under its name there. */
export function toolCallBody(tool: string, payload: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: tool, arguments: { payload } },
  });
}

/** One call to check the target answers the tool call correctly before any load. */
export async function preflight(
  url: string,
  headers: Record<string, string>,
  body: string,
  payload: string,
): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const reply = JSON.parse(text) as { result?: { content?: Array<{ text?: unknown }> } };
  if (res.status !== 200 || reply.result?.content?.[0]?.text !== payload)
    throw new Error(`preflight to ${url} failed: HTTP ${res.status} ${text.slice(0, 300)}`);
}
