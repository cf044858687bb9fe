/**
 * `maxStdioProcesses` bounds the stdio children one gateway runs: at the bound the least recently
 * used idle child stops to make room; a start waits while every running child is busy.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';
import { callTool } from './security/support/rpc.js';

const stdioServer = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));
const stdio = (id: string) => ({ id, transport: 'stdio', command: 'node', args: [stdioServer], timeoutMs: 5000 });
let gateway: GatewayHarness;

beforeAll(async () => {
  gateway = await startGateway({ file: { maxStdioProcesses: 1, upstreams: [stdio('one'), stdio('two')] } });
});
afterAll(async () => {
  await gateway?.close();
});

async function pidOf(tool: string, args: Record<string, unknown> = {}): Promise<number> {
  const answer = await callTool(gateway.mcpUrl, tool, args);
  const result = answer.json?.['result'] as { content?: Array<{ text?: string }> } | undefined;
  const pid = Number(result?.content?.[0]?.text);
  if (!Number.isInteger(pid)) throw new Error(`no pid from ${tool}: ${answer.text.slice(0, 300)}`);
  return pid;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the stdio process bound', () => {
  it('lists both upstreams although only one child may run at a time', async () => {
    await gateway.core.catalogue.ensureLoaded();
    const names = gateway.core.catalogue.tools().map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['one__pid', 'two__pid']));
    expect(gateway.core.upstreams.runningProcesses()).toBeLessThanOrEqual(1);
  });

  it('stops the idle child to start another, and never runs more than the bound', async () => {
    const first = await pidOf('one__pid');
    const second = await pidOf('two__pid');
    expect(second).not.toBe(first);
    expect(gateway.core.upstreams.runningProcesses()).toBe(1);
    for (let i = 0; i < 50 && alive(first); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(alive(first)).toBe(false);
  });

  it('waits for a busy child to finish before starting another in its place', async () => {
    await pidOf('one__pid');
    const busy = pidOf('one__sleep', { ms: 400 });
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const other = await pidOf('two__pid');
    expect(performance.now() - started).toBeGreaterThan(150); // it waited for `one` to be idle
    const sleeper = await busy;
    expect(other).not.toBe(sleeper);
    expect(gateway.core.upstreams.runningProcesses()).toBe(1);
  });
});
