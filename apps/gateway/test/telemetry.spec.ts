/** One span per MCP request with the MCP semantic attributes, trace context passed on, metrics named as designed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryTracing, startTelemetry } from '@mcpgw/telemetry/node';
import { echoTool, startFakeMcpUpstream, type FakeMcpUpstream } from '@mcpgw/testing';
import { startGateway, type GatewayHarness } from './support/gateway-harness.js';

const tracing = createInMemoryTracing();
let telemetry: { shutdown(): Promise<void> };
let upstream: FakeMcpUpstream;
let gateway: GatewayHarness;
const TRACE_ID = '5bf92f3577b34da6a3ce929d0e0e4736';

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'gateway-test', spanProcessors: [tracing.processor] });
  upstream = await startFakeMcpUpstream({ sdk: 'v1', tools: [echoTool] });
  gateway = await startGateway({ file: { upstreams: [{ id: 'up', transport: 'streamable-http', url: upstream.url }] } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await telemetry?.shutdown();
});

describe('gateway telemetry', () => {
  it('records one span per tools/call and passes the trace on to the upstream', async () => {
    const res = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__echo', arguments: { text: 'traced' } } }),
    });
    expect(res.status).toBe(200);
    const span = tracing.exporter.getFinishedSpans().find((s) => s.name === 'tools/call up__echo');
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'up__echo',
      'mcp.upstream.id': 'up',
      'mcp.outcome': 'ok',
    });
    const call = upstream.calls.at(-1);
    expect(String(call?.headers['traceparent'])).toContain(TRACE_ID);
    expect(JSON.stringify(call?.meta ?? {})).toContain(TRACE_ID);
  });

  it('counts tool executions by tool, upstream and outcome, and request durations', async () => {
    const executions = await gateway.registry.getSingleMetricAsString('mcp_tool_executions_total');
    expect(executions).toMatch(/mcp_tool_executions_total\{tool="up__echo",upstream="up",outcome="ok"\} [1-9]/);
    const durations = await gateway.registry.getSingleMetricAsString('mcp_request_duration_seconds');
    expect(durations).toMatch(/mcp_request_duration_seconds_count\{method="tools\/call",era="legacy",outcome="ok"\} [1-9]/);
  });

  it('labels unknown tools and methods with bounded values', async () => {
    for (const name of ['no__such1', 'no__such2']) {
      await fetch(gateway.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name } }),
      });
    }
    const executions = await gateway.registry.getSingleMetricAsString('mcp_tool_executions_total');
    expect(executions).not.toContain('no__such');
    expect(executions).toMatch(/tool="unknown",upstream="none",outcome="unknown_tool"/);
  });
});
