import { describe, expect, it } from 'vitest';
import { MAX_OFFLINE_CALLS, planOfflineCalls } from './offline-planner.js';

describe('planOfflineCalls', () => {
  it('plans a threat check per IP and domain, analytics per API id, and a context search for a recall question', () => {
    const plan = planOfflineCalls('What did we find earlier about 203.0.113.1, phish.example and the payments-api API this week?');
    expect(plan.calls).toEqual([
      { id: 'offline_1', name: 'sentraip_threat_check', input: { target: '203.0.113.1', type: 'ip' } },
      { id: 'offline_2', name: 'sentraip_threat_check', input: { target: 'phish.example', type: 'domain' } },
      { id: 'offline_3', name: 'tyk_api_analytics', input: { api_id: 'payments-api', time_range: '7d' } },
      { id: 'offline_4', name: 'claude_context_search', input: { query: expect.stringContaining('earlier') as string, limit: 3 } },
    ]);
  });

  it('skips tools the gateway does not offer', () => {
    const plan = planOfflineCalls('Check 203.0.113.1 and API orders-api', new Set(['tyk_api_analytics']));
    expect(plan.calls.map((c) => c.name)).toEqual(['tyk_api_analytics']);
  });

  it('caps the number of calls and says what it left out', () => {
    const ips = Array.from({ length: 9 }, (_, i) => `198.51.100.${i + 1}`);
    const plan = planOfflineCalls(`check ${ips.join(' ')}`);
    expect(plan.calls).toHaveLength(MAX_OFFLINE_CALLS);
    expect(plan.skipped).toEqual(ips.slice(MAX_OFFLINE_CALLS));
  });
});
