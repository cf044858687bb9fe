import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@mcpgw/service-kit';
import { readGatewayConfig } from '../src/config.js';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

/**
 * The share of `ms` this process's event loop (the gateway's, in the harness) spent running rather
 * than blocked in its poll; libuv counts no idle time for zero-timeout polls.
 */
async function loopUtilization(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

const listTools = (gw: GatewayHarness) =>
  fetch(gw.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('GATEWAY_BUSY_POLL_US', () => {
  let gw: GatewayHarness | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('keeps the event loop polling for the window after an MCP request, then lets it sleep', async () => {
    gw = await startGateway({ env: { GATEWAY_BUSY_POLL_US: '100000' } });
    expect(gw.config.busyPollUs).toBe(100_000);
    // The first request warms the path, so the window measured below starts with a quick answer.
    expect((await listTools(gw)).status).toBe(200);
    await sleep(150);
    expect((await listTools(gw)).status).toBe(200);
    expect(await loopUtilization(30)).toBeGreaterThan(0.8);
    await sleep(100);
    expect(await loopUtilization(30)).toBeLessThan(0.3);
  });

  it('is not started by health probes', async () => {
    gw = await startGateway({ env: { GATEWAY_BUSY_POLL_US: '100000' } });
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect(await loopUtilization(30)).toBeLessThan(0.3);
  });

  it('is off by default: the loop sleeps right after a request', async () => {
    gw = await startGateway();
    expect(gw.config.busyPollUs).toBe(0);
    expect((await listTools(gw)).status).toBe(200);
    expect(await loopUtilization(30)).toBeLessThan(0.3);
  });

  it('refuses values that are not whole microseconds in range, naming the variable', () => {
    for (const bad of ['-1', '1.5', 'abc', '100001']) {
      expect(() => readGatewayConfig({ GATEWAY_BUSY_POLL_US: bad })).toThrow(ConfigError);
      expect(() => readGatewayConfig({ GATEWAY_BUSY_POLL_US: bad })).toThrow(/GATEWAY_BUSY_POLL_US/);
    }
    expect(readGatewayConfig({ GATEWAY_BUSY_POLL_US: '1000' }).busyPollUs).toBe(1000);
  });
});
