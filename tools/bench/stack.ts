/**
 * The system under test: the fixture upstream and the real gateway process (from source, as
 * `nx serve` runs it) on the chosen Node binary, the gateway pinned to core 0 and the upstream to
 * core 1 (with the load generator) when taskset exists, a collector stand-in draining the audit
 * outbox, and an API key created through the admin API, so calls take the authenticated path.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startCollectorSink, startProcess, type BenchProcess } from './processes.js';

export const GATEWAY_CPU = 0;
export const LOADER_CPU = 1;
/** The children's PATH (to find taskset); nothing else is inherited from the benchmark. */
const CHILD_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface Stack {
  upstream: BenchProcess;
  gateway: BenchProcess;
  /** `Authorization` and MCP headers every request carries (the same for direct and gateway). */
  headers: Record<string, string>;
  directUrl: string;
  gatewayUrl: string;
  auditEventsShipped(): number;
  close(): Promise<void>;
}

export interface StackOptions {
  repoRoot: string;
  node: string;
  logLevel: string;
}

const TSX = ['--enable-source-maps', '--conditions=@mcpgw/source', '--import', 'tsx'];

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-bench-'));
  const cleanups: Array<() => Promise<void> | void> = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const sink = await startCollectorSink();
    cleanups.push(() => sink.close());
    const upstreamPort = await freePort();
    const upstream = await startProcess({
      name: 'upstream',
      port: upstreamPort,
      node: options.node,
      args: [
        ...TSX,
        join(options.repoRoot, 'tools', 'bench', 'lean-upstream.ts'),
        String(upstreamPort),
      ],
      cwd: options.repoRoot,
      env: { PATH: CHILD_PATH },
      logFile: join(dir, 'upstream.log'),
      cpu: LOADER_CPU,
    });
    cleanups.push(() => upstream.stop());

    const adminKey = `bench-admin-${randomBytes(24).toString('hex')}`;
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        // The benchmark measures the hot path, not the limiter refusing it: a bucket it never empties.
        defaultRateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
        toolSets: { bench: { requiredRole: 'bench', tools: ['bench__*'] } },
        upstreams: [
          {
            id: 'bench',
            transport: 'streamable-http',
            url: `${upstream.url}/mcp`,
            timeoutMs: 10_000,
          },
        ],
      }),
    );
    const closed = 'http://127.0.0.1:9';
    const gatewayPort = await freePort();
    const gateway = await startProcess({
      name: 'gateway',
      port: gatewayPort,
      node: options.node,
      args: [...TSX, 'src/main.ts'],
      cwd: join(options.repoRoot, 'apps', 'gateway'),
      env: {
        PATH: CHILD_PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(gatewayPort),
        LOG_LEVEL: options.logLevel,
        GATEWAY_CONFIG: configFile,
        GATEWAY_ADMIN_KEY: adminKey,
        COLLECTOR_URL: sink.url,
        BROKER_URL: closed,
        CHAT_URL: closed,
      },
      logFile: join(dir, 'gateway.log'),
      cpu: GATEWAY_CPU,
    });
    cleanups.push(() => gateway.stop());

    const created = await fetch(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'benchmark', roles: ['bench'] }),
    });
    const body = (await created.json()) as { key?: unknown };
    if (created.status !== 201 || typeof body.key !== 'string')
      throw new Error(`creating an API key failed: HTTP ${created.status} ${JSON.stringify(body)}`);
    return {
      upstream,
      gateway,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        authorization: `Bearer ${body.key}`,
      },
      directUrl: `${upstream.url}/mcp`,
      gatewayUrl: `${gateway.url}/mcp`,
      auditEventsShipped: () => sink.events(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
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
