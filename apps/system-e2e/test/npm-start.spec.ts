/**
 * The first of the two README commands, end to end: `npm start` brings up all six services on
 * their default ports with embedded defaults, each becomes ready, and Ctrl-C — SIGINT to the
 * whole process group, as a terminal sends it — stops every one of them cleanly (exit code 0
 * after its own graceful shutdown).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SERVICES: Record<string, number> = {
  gateway: 8080,
  'claude-mcp-client': 8081,
  'sentraip-oauth-broker': 8082,
  'analytics-collector': 8083,
  'sentraip-simulator': 8090,
  'sandbox-log-analysis': 8091,
};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Log records the services printed, parsed from concurrently's `[name] {...}` lines. */
function records(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    const start = line.indexOf('{"');
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start)) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('npm start', () => {
  let output = '';
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    const busy = [];
    for (const port of Object.values(SERVICES)) if (!(await portIsFree(port))) busy.push(port);
    if (busy.length) throw new Error(`ports ${busy.join(', ')} are in use on 127.0.0.1: stop \`npm start\` first`);
    child = spawn(process.execPath, ['--import', 'tsx', 'tools/scripts/start.ts'], {
      cwd: root,
      // A clean environment — no Redis, no API keys, no secrets: the embedded defaults.
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    exited = new Promise((resolve) => child?.once('exit', (code) => resolve(code)));
  });

  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  });

  it('starts all six services, each ready within 60 s, and prints the generated admin key', async () => {
    const deadline = Date.now() + 60_000;
    const pending = new Set(Object.values(SERVICES));
    while (pending.size > 0 && Date.now() < deadline && child?.exitCode === null) {
      for (const port of [...pending]) if (await ready(port)) pending.delete(port);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect([...pending], output).toEqual([]);
    expect(output).toMatch(/GATEWAY_ADMIN_KEY=mcpgw_admin_[A-Za-z0-9_-]{40,}/);
    expect(output).toContain('in-memory');
    expect(output).toContain('offline mode');
    // Generated service tokens are handed to the processes, never printed.
    expect(output).not.toMatch(/SERVICE_TOKEN=svc_/);
  }, 90_000);

  it('stops every service gracefully on Ctrl-C to the process group', async () => {
    process.kill(-(child?.pid ?? 0), 'SIGINT');
    expect(await exited, output).toBe(0);
    const done = records(output).filter((r) => r['message'] === 'shutdown complete');
    expect(done.map((r) => r['service']).sort()).toEqual(Object.keys(SERVICES).sort());
    expect(done.every((r) => r['exit_code'] === 0)).toBe(true);
    for (const port of Object.values(SERVICES)) expect(await portIsFree(port)).toBe(true);
  }, 60_000);
});
