import { describe, expect, it } from 'vitest';
import type { ToolRun } from '../chat/tool-runner.js';
import { planOfflineCalls } from './offline-planner.js';
import { renderOfflineSummary } from './offline-summary.js';

const threat = (target: string, risk: string, score: number): ToolRun => ({
  call: { id: 'x', name: 'sentraip_threat_check', input: { target, type: 'ip' } },
  outcome: { ok: true, text: '', structured: { target, type: 'ip', risk_level: risk, threat_score: score, categories: ['scanner'], last_updated: '2025-06-01T12:45:00Z', degraded: false } },
  durationMs: 5,
});

describe('renderOfflineSummary', () => {
  it('says why Claude did not answer, lists each verdict and the highest risk', () => {
    const plan = planOfflineCalls('check 203.0.113.1 and 192.0.2.10');
    const text = renderOfflineSummary('overloaded', plan, [threat('203.0.113.1', 'critical', 9), threat('192.0.2.10', 'low', 0)]);
    expect(text).toContain('Claude is overloaded right now');
    expect(text).toContain('- 203.0.113.1 (ip): risk CRITICAL, threat score 9/10 — scanner (SentraIP, last updated 2025-06-01T12:45:00Z)');
    expect(text).toContain('- 192.0.2.10 (ip): risk LOW, threat score 0/10');
    expect(text).toContain('Highest risk: CRITICAL (203.0.113.1).');
  });

  it('renders analytics, context results and failures', () => {
    const plan = planOfflineCalls('API orders-api earlier');
    const runs: ToolRun[] = [
      {
        call: { id: 'a', name: 'tyk_api_analytics', input: { api_id: 'orders-api', time_range: '24h' } },
        outcome: { ok: true, text: '', structured: { api_id: 'orders-api', time_range: '24h', total_requests: 12345, error_rate: 0.021, latency: { p50: 20, p95: 120.4, p99: 300 }, top_endpoints: [{ path: '/v1/orders', requests: 9000 }] } },
        durationMs: 3,
      },
      {
        call: { id: 'b', name: 'claude_context_search', input: { query: 'x', limit: 3 } },
        outcome: { ok: false, text: 'claude_context_search failed: chat is unavailable.', failure: 'tool_error' },
        durationMs: 3,
      },
    ];
    const text = renderOfflineSummary('no_api_key', plan, runs);
    expect(text).toMatch(/^Offline mode: no Claude API key is configured/);
    expect(text).toContain('- API orders-api over 24h: 12,345 requests, error rate 2.1%, p95 latency 120 ms; busiest endpoint /v1/orders');
    expect(text).toContain('- earlier conversations: could not be checked (claude_context_search failed: chat is unavailable.)');
  });

  it('explains what it can do when there was nothing to look up', () => {
    expect(renderOfflineSummary('breaker_open', planOfflineCalls('hello there'), [])).toContain('I found no IP address, domain or API id');
  });
});
