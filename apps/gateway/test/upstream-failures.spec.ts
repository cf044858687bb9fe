/**
 * Upstream failures never break the client's protocol: a hanging, crashing or garbage-speaking
 * upstream yields a well-formed JSON-RPC error with the same id within the timeout; its breaker
 * opens after the threshold and closes after recovery; the other upstreams are unaffected; a
 * killed stdio upstream is restarted on the next call.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startFaultyProxy, type Fault, type FaultyProxy } from './support/faulty-proxy.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let healthy: FakeMcpUpstream;
let flaky: FakeMcpUpstream;
let proxy: FaultyProxy;
let gateway: GatewayHarness;
const stdioServer = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));

beforeAll(async () => {
  healthy = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  flaky = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool] });
  proxy = await startFaultyProxy(flaky.url);
  gateway = await startGateway({
    file: {
      upstreams: [
        { id: 'healthy', transport: 'streamable-http', url: healthy.url },
        {
          id: 'flaky',
          transport: 'streamable-http',
          url: `${proxy.listener.url}/mcp`,
          timeoutMs: 800,
          breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 1500 },
        },
        { id: 'local', transport: 'stdio', command: 'node', args: [stdioServer], env: { FIXTURE_MODE: 'test' } },
        {
          id: 'jailed',
          transport: 'stdio',
          command: 'node',
          args: [stdioServer],
          nodePermissions: { allowFsRead: [fileURLToPath(new URL('../../..', import.meta.url))] },
        },
      ],
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await proxy?.listener.close();
  await flaky?.close();
  await healthy?.close();
});

let nextId = 100;
async function call(name: string, args: Record<string, unknown> = {}) {
  const id = nextId++;
  const started = Date.now();
  const res = await fetch(gateway.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const body = (await res.json()) as { id: number; result?: { content: Array<{ text: string }>; isError?: boolean }; error?: { code: number; message: string } };
  return { id, body, elapsed: Date.now() - started };
}

describe('a failing upstream', () => {
  it.each<[Fault, number]>([
    ['hang', -32002],
    ['crash', -32001],
    ['garbage', -32001],
  ])('that does %s gives a JSON-RPC error with the same id within the timeout', async (fault, code) => {
    proxy.setFault(fault);
    try {
      const { id, body, elapsed } = await call('flaky__echo', { text: 'x' });
      expect(body.id).toBe(id);
      expect(body.error?.code).toBe(code);
      expect(body.error?.message).toMatch(/Upstream flaky/);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      proxy.setFault('none');
    }
  });

  it('opens its breaker after the threshold, fails fast while open, and closes after recovery', async () => {
    proxy.setFault('garbage');
    for (let i = 0; i < 4; i += 1) await call('flaky__echo', { text: 'x' });
    await expect.poll(() => gateway.core.upstreams.get('flaky')?.breakerState).toBe('open');
    const callsBefore = flaky.calls.length;
    const rejected = await call('flaky__echo', { text: 'x' });
    expect(rejected.body.error?.message).toBe('Upstream flaky is unavailable');
    expect(flaky.calls.length).toBe(callsBefore);
    const metrics = await gateway.registry.getSingleMetricAsString('circuit_breaker_state');
    expect(metrics).toMatch(/circuit_breaker_state\{[^}]*breaker="upstream:flaky"[^}]*\} 2/);

    proxy.setFault('none');
    await expect
      .poll(async () => (await call('flaky__echo', { text: 'back' })).body.result?.content[0]?.text, { timeout: 10_000, interval: 300 })
      .toBe('back');
    expect(gateway.core.upstreams.get('flaky')?.breakerState).toBe('closed');
  });

  it('leaves the other upstreams working while it fails', async () => {
    proxy.setFault('hang');
    try {
      const [failing, fine] = await Promise.all([call('flaky__echo', { text: 'x' }), call('healthy__echo', { text: 'still here' })]);
      expect(failing.body.error).toBeDefined();
      expect(fine.body.result?.content[0]?.text).toBe('still here');
      expect(fine.elapsed).toBeLessThan(failing.elapsed);
    } finally {
      proxy.setFault('none');
    }
  });
});

describe('a stdio upstream', () => {
  it('runs sandboxed: only the declared environment reaches it', async () => {
    const { body } = await call('local__env');
    expect(body.result?.content[0]?.text.split(',')).toEqual(['FIXTURE_MODE']);
  });

  it("runs a Node program under the permission model: reads outside its allowed paths are refused", async () => {
    const outside = await call('jailed__read', { path: '/etc/hostname' });
    expect(outside.body.result?.isError).toBe(true);
    expect(outside.body.result?.content[0]?.text).toContain('ERR_ACCESS_DENIED');
    const inside = await call('jailed__read', { path: stdioServer });
    expect(inside.body.result?.content[0]?.text).toContain('stdio-fixture');
  });

  it('is restarted on the next call after it was killed', async () => {
    const first = Number((await call('local__pid')).body.result?.content[0]?.text);
    expect(first).toBeGreaterThan(0);
    process.kill(first, 'SIGKILL');
    await expect
      .poll(async () => Number((await call('local__pid')).body.result?.content[0]?.text), { timeout: 15_000, interval: 200 })
      .not.toBe(first);
    const second = Number((await call('local__pid')).body.result?.content[0]?.text);
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
  });
});
