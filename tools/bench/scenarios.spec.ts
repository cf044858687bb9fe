import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCENARIO,
  EXHAUSTED_CLIENT,
  STAGE_SCENARIOS,
  callerRoles,
  gatewayFileConfig,
  type Scenario,
} from './scenarios.js';

const STAGES = ['apiKey', 'rbac', 'redis', 'schema', 'sanitize'] as const;
const differences = (a: Scenario, b: Scenario) => STAGES.filter((key) => a[key] !== b[key]);
const byName = (name: string) => {
  const found = STAGE_SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
};

describe('stage scenarios', () => {
  it('add exactly one stage each to the baseline, and all of them in all-on (last)', () => {
    const baseline = byName('baseline');
    const single = STAGE_SCENARIOS.filter((s) => s.name !== 'baseline' && s.name !== 'all-on');
    expect(single.map((s) => differences(s, baseline))).toEqual([
      ['apiKey'],
      ['rbac'],
      ['redis'],
      ['schema'],
      ['sanitize'],
    ]);
    expect(STAGE_SCENARIOS.at(-1)?.name).toBe('all-on');
    expect(differences(byName('all-on'), baseline)).toEqual([...STAGES]);
    expect(new Set(STAGE_SCENARIOS.map((s) => s.name)).size).toBe(STAGE_SCENARIOS.length);
  });

  it('give the baseline anonymous admin access, no redaction and an unlimited bucket', () => {
    const config = gatewayFileConfig(byName('baseline'), 'http://127.0.0.1:1/mcp');
    expect(config['auth']).toEqual({
      anonymous: {
        enabled: true,
        roles: ['admin'],
        rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
      },
    });
    expect(config['sanitize']).toEqual({ secrets: false, pii: false });
  });

  it('close anonymous access and redact secrets and PII when every stage is on', () => {
    const allOn = byName('all-on');
    const config = gatewayFileConfig(allOn, 'http://127.0.0.1:1/mcp');
    expect(config['auth']).toEqual({ anonymous: { enabled: false } });
    expect(config['sanitize']).toEqual({ secrets: true, pii: true });
    expect(callerRoles(allOn)).toEqual(['bench']);
    expect(config['clients']).toEqual([
      { id: EXHAUSTED_CLIENT, rateLimit: { capacity: 1, refillPerSecond: 0 } },
    ]);
  });

  it('keep the default scenario what the throughput run always measured', () => {
    const config = gatewayFileConfig(DEFAULT_SCENARIO, 'http://127.0.0.1:1/mcp');
    expect(config['auth']).toEqual({ anonymous: { enabled: false } });
    expect(config['sanitize']).toEqual({ secrets: true, pii: false });
    expect(config['toolSets']).toEqual({ bench: { requiredRole: 'bench', tools: ['bench__*'] } });
    expect(DEFAULT_SCENARIO.redis).toBe(false);
  });
});
