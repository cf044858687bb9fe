/**
 * The audit outbox holds only what is not shipped yet: once the collector took a batch, the relay
 * acknowledges it and trims it, so the in-process store's outbox does not sit on the gateway's heap
 * (and a Redis outbox does not grow to its cap). With the collector away, nothing is trimmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { AUDIT_OUTBOX } from '../../src/audit/audit-recorder.js';
import { startGateway, type GatewayHarness } from '../support/gateway-harness.js';
import { startCollectorReceiver, type CollectorReceiver } from './support/collector-receiver.js';
import { callTool, sleep } from './support/rpc.js';

const CALLS = 12;

let upstream: FakeMcpUpstream;
let receiver: CollectorReceiver;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v1', stateful: false, tools: [echoTool] });
  receiver = await startCollectorReceiver();
});
afterAll(async () => {
  await upstream?.close();
  await receiver?.close();
});

const withUpstream = () => ({
  upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }],
});

async function callEcho(gateway: GatewayHarness, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const answer = await callTool(gateway.mcpUrl, 'up__echo', { text: `call ${i}` });
    expect(answer.status).toBe(200);
  }
}

describe('audit outbox trimming', () => {
  it('drops what the collector took: the outbox ends empty and the collector has every event', async () => {
    const gateway = await startGateway({
      env: { COLLECTOR_URL: receiver.url },
      file: withUpstream(),
    });
    try {
      await gateway.core.catalogue.ensureLoaded();
      await callEcho(gateway, CALLS);
      // Each forwarded call records a write-ahead `mcp.forward` and its `mcp.request`.
      const expected = CALLS * 2;
      for (let i = 0; i < 100 && receiver.ids().size < expected; i += 1) await sleep(50);
      expect(receiver.ids().size).toBe(expected);
      let left = await gateway.store.streamLength(AUDIT_OUTBOX);
      for (let i = 0; i < 100 && left > 0; i += 1) {
        await sleep(50);
        left = await gateway.store.streamLength(AUDIT_OUTBOX);
      }
      expect(left).toBe(0);
    } finally {
      await gateway.close();
    }
  });

  it('keeps every event while the collector is away', async () => {
    const gateway = await startGateway({ file: withUpstream() }); // the harness points COLLECTOR_URL at a dead port
    try {
      await gateway.core.catalogue.ensureLoaded();
      await callEcho(gateway, CALLS);
      await sleep(300); // the relay has tried (and failed) meanwhile
      expect(await gateway.store.streamLength(AUDIT_OUTBOX)).toBe(CALLS * 2);
    } finally {
      await gateway.close();
    }
  });
});
