/** The REST facade of the original design, over the same dispatcher as /mcp. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoTool, failingTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  upstream = await startFakeMcpUpstream({ sdk: 'v2', tools: [echoTool, failingTool] });
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const callTool = (tool: string, body: unknown) =>
  fetch(`${gateway.url}/mcp/call/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('REST facade', () => {
  it('GET /mcp/tools → { tools, count, timestamp }', async () => {
    const res = await fetch(`${gateway.url}/mcp/tools`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tools: Array<{ name: string }>; count: number; timestamp: string };
    expect(body.count).toBe(body.tools.length);
    expect(body.tools.map((t) => t.name)).toContain('up__echo');
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it('POST /mcp/call/{tool} → the success envelope with the tool result', async () => {
    const res = await callTool('up__echo', { text: 'rest' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: true, data: { content: [{ type: 'text', text: 'rest' }] }, metadata: { version: '0.1.0' } });
    expect(typeof (body['metadata'] as Record<string, unknown>)['trace_id']).toBe('string');
  });

  it('maps failures to statuses with the error envelope', async () => {
    const unknown = await callTool('nope', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'NOT_FOUND' });

    const invalid = await callTool('sentraip_threat_check', { target: '', type: 'ip' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'VALIDATION_FAILED' });

    const notObject = await callTool('up__echo', [1, 2]);
    expect(notObject.status).toBe(400);

    const toolError = await callTool('up__fail', {});
    expect(toolError.status).toBe(502);
    expect(await toolError.json()).toMatchObject({ error: 'TOOL_FAILED', details: { isError: true } });
  });
});
