import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../json-schema.js';
import {
  BUILT_IN_TOOLS,
  isBuiltInToolName,
  toolListEntry,
  validateToolInput,
  validateToolOutput,
} from './built-in-tools.js';

function fields(result: ReturnType<typeof validateToolInput>): string[] {
  return result.ok ? [] : result.errors.map((e) => e.field);
}

describe('sentraip_threat_check input', () => {
  it.each([
    { target: '203.0.113.7', type: 'ip' },
    { target: '2001:db8::1', type: 'ip' },
    { target: '::ffff:203.0.113.7', type: 'ip' },
    { target: 'example.com', type: 'domain' },
    { target: 'münchen.de', type: 'domain' },
    { target: 'xn--mnchen-3ya.de', type: 'domain' },
  ])('accepts %o', (args) => {
    expect(validateToolInput('sentraip_threat_check', args)).toEqual({ ok: true, value: args });
  });

  it.each([
    [{ target: 'example.com', type: 'ip' }, ['target']],
    [{ target: '203.0.113.7', type: 'domain' }, ['target']],
    [{ target: '999.1.1.1', type: 'ip' }, ['target', 'target']],
    [{ target: 'http://example.com', type: 'domain' }, ['target', 'target']],
    [{ target: '', type: 'ip' }, ['target']],
    [{ target: 'example.com', type: 'url' }, ['type']],
    [{ type: 'ip' }, ['target']],
    [{ target: '203.0.113.7' }, ['type']],
    [{ target: 42, type: 'ip' }, ['target']],
    [{ target: '203.0.113.7', type: 'ip', verbose: true }, ['verbose']],
  ])('rejects %o naming %o', (args, expected) => {
    expect(fields(validateToolInput('sentraip_threat_check', args))).toEqual(expected);
  });

  it('says why a cross-field mismatch fails', () => {
    const result = validateToolInput('sentraip_threat_check', {
      target: 'example.com',
      type: 'ip',
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'target', message: 'target must be an IPv4 or IPv6 address when type is "ip"' },
      ],
    });
  });

  it('rejects a target over 253 characters', () => {
    const label = 'a'.repeat(62);
    const target = `${[label, label, label, label].join('.')}.com`;
    expect(
      fields(validateToolInput('sentraip_threat_check', { target, type: 'domain' })),
    ).toContain('target');
  });
});

describe('tyk_api_analytics input', () => {
  it('applies the 24h default', () => {
    expect(validateToolInput('tyk_api_analytics', { api_id: 'payments-v2' })).toEqual({
      ok: true,
      value: { api_id: 'payments-v2', time_range: '24h' },
    });
  });

  it.each(['24h', '7d', '30d'])('accepts time_range %s', (time_range) => {
    expect(validateToolInput('tyk_api_analytics', { api_id: 'org:api.v1_2', time_range }).ok).toBe(
      true,
    );
  });

  it.each([
    [{ api_id: '' }, ['api_id']],
    [{ api_id: 'a'.repeat(129) }, ['api_id']],
    [{ api_id: 'has space' }, ['api_id']],
    [{ api_id: 'x/../y' }, ['api_id']],
    [{ api_id: 'a', time_range: '1h' }, ['time_range']],
    [{ time_range: '7d' }, ['api_id']],
    [{ api_id: 7 }, ['api_id']],
  ])('rejects %o naming %o', (args, expected) => {
    expect(fields(validateToolInput('tyk_api_analytics', args))).toEqual(expected);
  });
});

describe('claude_context_search input', () => {
  it('applies the limit default of 5', () => {
    expect(validateToolInput('claude_context_search', { query: 'ip 203.0.113.7' })).toEqual({
      ok: true,
      value: { query: 'ip 203.0.113.7', limit: 5 },
    });
  });

  it('counts the 500-character limit in code points', () => {
    expect(validateToolInput('claude_context_search', { query: '😀'.repeat(500) }).ok).toBe(true);
    expect(fields(validateToolInput('claude_context_search', { query: '😀'.repeat(501) }))).toEqual(
      ['query'],
    );
  });

  it.each([
    [{ query: '' }, ['query']],
    [{ query: '   ' }, ['query']],
    [{ query: 'x', limit: 0 }, ['limit']],
    [{ query: 'x', limit: 51 }, ['limit']],
    [{ query: 'x', limit: 2.5 }, ['limit']],
    [{ query: 'x', limit: '5' }, ['limit']],
    [{ limit: 3 }, ['query']],
  ])('rejects %o naming %o (no type coercion)', (args, expected) => {
    expect(fields(validateToolInput('claude_context_search', args))).toEqual(expected);
  });
});

describe('validateToolInput', () => {
  it('reports every problem at once', () => {
    expect(
      fields(validateToolInput('claude_context_search', { query: '', limit: 99, extra: 1 })),
    ).toEqual(['query', 'limit', 'extra']);
  });

  it('rejects non-objects at the root', () => {
    for (const args of [null, [], 'x', 3]) {
      expect(fields(validateToolInput('tyk_api_analytics', args))).toEqual(['(root)']);
    }
  });

  it('rejects an own __proto__ key that joi alone would silently drop', () => {
    const args: unknown = JSON.parse('{"api_id":"a","__proto__":{"admin":true}}');
    expect(fields(validateToolInput('tyk_api_analytics', args))).toEqual(['__proto__']);
  });

  it('names an unknown tool', () => {
    expect(validateToolInput('rm_rf', {})).toEqual({
      ok: false,
      errors: [{ field: 'name', message: 'rm_rf is not a built-in tool' }],
    });
    expect(isBuiltInToolName('rm_rf')).toBe(false);
    expect(validateToolOutput('rm_rf', {}).ok).toBe(false);
  });
});

describe('validateToolOutput', () => {
  it('accepts a well-formed verdict and names a bad field', () => {
    const verdict = {
      target: 'example.com',
      type: 'domain',
      threat_score: null,
      risk_level: 'unknown',
      categories: [],
      last_updated: null,
      sources: [],
      cached: false,
      stale: false,
      degraded: true,
    };
    expect(validateToolOutput('sentraip_threat_check', verdict).ok).toBe(true);
    expect(
      validateToolOutput('sentraip_threat_check', { ...verdict, threat_score: 11 }),
    ).toMatchObject({
      ok: false,
      errors: [{ field: 'threat_score' }],
    });
  });

  it('names the index of a bad array element', () => {
    const output = {
      results: [
        { conversation_id: 'c1', snippet: 's', score: 2, timestamp: '2025-01-01T00:00:00Z' },
      ],
      count: 1,
    };
    expect(validateToolOutput('claude_context_search', output)).toMatchObject({
      ok: false,
      errors: [{ field: 'results[0].score' }],
    });
  });
});

/** Walks a schema; `visit` sees every property definition with its path. */
function eachProperty(
  schema: JsonSchema,
  path: string,
  visit: (path: string, property: JsonSchema) => void,
): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    visit(`${path}.${key}`, child);
    eachProperty(child, `${path}.${key}`, visit);
  }
  if (schema.items) eachProperty(schema.items, `${path}[]`, visit);
}

describe('wire definitions', () => {
  it('lists the three tools with the original names', () => {
    expect(BUILT_IN_TOOLS.map((t) => t.name)).toEqual([
      'sentraip_threat_check',
      'tyk_api_analytics',
      'claude_context_search',
    ]);
  });

  it.each(BUILT_IN_TOOLS.map((t) => [t.name, t] as const))(
    '%s: closed object schemas with a description on every property',
    (_, tool) => {
      expect(tool.description.length).toBeGreaterThan(80);
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        expect(schema.type).toBe('object');
        expect(schema.additionalProperties).toBe(false);
        // the Anthropic API rejects tool schemas with these at the top level
        for (const combinator of ['oneOf', 'anyOf', 'allOf'])
          expect(schema).not.toHaveProperty(combinator);
        const missing: string[] = [];
        eachProperty(schema, tool.name, (path, property) => {
          if (!property.description) missing.push(path);
        });
        expect(missing).toEqual([]);
      }
    },
  );

  it('serialises to JSON-only definitions for tools/list and cannot be mutated', () => {
    const entry = toolListEntry('tyk_api_analytics');
    expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
    expect(Object.keys(entry).sort()).toEqual([
      'annotations',
      'description',
      'inputSchema',
      'name',
      'outputSchema',
      'title',
    ]);
    expect(Object.isFrozen(entry.inputSchema.properties)).toBe(true);
    expect(() => {
      (entry.inputSchema.properties as Record<string, unknown>)['api_id'] = {};
    }).toThrow(TypeError);
  });
});
