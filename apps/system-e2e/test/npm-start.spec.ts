/**
 * The first of the two README commands, end to end: `npm start` brings up all six services on
 * their default ports with embedded defaults, each answers /health, and Ctrl-C (SIGINT) stops
 * every one of them cleanly.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const PORTS = { gateway: 8080, chat: 8081, broker: 8082, collector: 8083, simulator: 8090, sandbox: 8091 };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scripts/start.ts'], {
    cwd: root,
    // A clean environment: no Redis, no API keys, no secrets — the embedded defaults.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts all six services, each answering /health within 60 s', async () => {
    const deadline = Date.now() + 60_000;
    const pending = new Set(Object.values(PORTS));
    while (pending.size > 0 && Date.now() < deadline && child.exitCode === null) {
      for (const port of [...pending]) if (await healthy(port)) pending.delete(port);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect([...pending], output.join('')).toEqual([]);
    const text = output.join('');
    expect(text).toMatch(/GATEWAY_ADMIN_KEY=mcpgw_admin_[A-Za-z0-9_-]{40,}/);
    expect(text).toContain('in-memory');
    expect(text).toContain('offline mode');
  }, 90_000);

  it('stops every service cleanly on Ctrl-C', async () => {
    child.kill('SIGINT');
    const code = await exited;
    expect(code, output.join('')).toBe(0);
    for (const port of Object.values(PORTS)) expect(await portIsFree(port)).toBe(true);
  }, 60_000);
});
