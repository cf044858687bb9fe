import { describe, expect, it } from 'vitest';
import { BUILT_IN_TOOLS, toolListEntry } from '@mcpgw/tool-schemas';
import { MAX_MODEL_TOOLS, toModelToolset } from './tool-definitions.js';

describe('toModelToolset', () => {
  it("passes the gateway's built-in tools through with their names and JSON Schemas", () => {
    const tools = BUILT_IN_TOOLS.map((t) => toolListEntry(t.name)).map((e) => ({ name: e.name, description: e.description, inputSchema: e.inputSchema as unknown as Record<string, unknown> }));
    const { tools: converted, gatewayName } = toModelToolset(tools);
    expect(converted.map((t) => t.name)).toEqual(['sentraip_threat_check', 'tyk_api_analytics', 'claude_context_search']);
    const threat = converted[0];
    expect(threat?.input_schema).toMatchObject({ type: 'object', required: ['target', 'type'] });
    expect(threat?.input_schema).not.toHaveProperty('$schema');
    expect(threat?.description).toMatch(/threat/i);
    expect(gatewayName.get('tyk_api_analytics')).toBe('tyk_api_analytics');
  });

  it('rewrites names the API would refuse and maps them back, without collisions', () => {
    const { tools, gatewayName } = toModelToolset([
      { name: 'logs.search', inputSchema: { type: 'object' } },
      { name: 'logs:search', inputSchema: { type: 'object' } },
      { name: 'x'.repeat(80), inputSchema: {} },
    ]);
    expect(tools.map((t) => t.name)).toEqual(['logs_search', 'logs_search_2', 'x'.repeat(64)]);
    expect(gatewayName.get('logs_search_2')).toBe('logs:search');
    expect(tools[2]?.input_schema).toEqual({ type: 'object' });
    for (const t of tools) expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('offers at most MAX_MODEL_TOOLS tools', () => {
    const many = Array.from({ length: MAX_MODEL_TOOLS + 10 }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' } }));
    expect(toModelToolset(many).tools).toHaveLength(MAX_MODEL_TOOLS);
  });
});
