import type { ToolRun } from '../chat/tool-runner.js';
import type { DegradedReason } from '../metrics.js';
import type { OfflinePlan } from './offline-planner.js';

const WHY: Record<DegradedReason, string> = {
  no_api_key: 'Offline mode: no Claude API key is configured',
  breaker_open: 'Claude is temporarily unavailable (recent calls failed)',
  overloaded: 'Claude is overloaded right now',
  rate_limited: 'Claude rate-limited this service',
  spend_limit: "Claude is unavailable: the account's spend limit has been reached",
  auth: 'Claude refused this service\'s API key',
  unavailable: 'Claude could not be reached',
  model_error: 'Claude could not answer this request',
};

const RISK_ORDER = ['low', 'medium', 'high', 'critical'];

/**
 * The templated answer of offline mode: why Claude did not answer, one line per tool result
 * (the facts the gateway's tools returned, nothing inferred), the highest threat risk when
 * several targets were checked, and what the planner can do when it found nothing to look up.
 */
export function renderOfflineSummary(reason: DegradedReason, plan: OfflinePlan, runs: readonly ToolRun[]): string {
  const lines = [`${WHY[reason]}, so this answer was put together directly from the gateway's tools, without model reasoning.`];
  if (plan.calls.length === 0) {
    lines.push(
      '',
      'I found no IP address, domain or API id to look up in your message. In this mode I can:',
      '- check the threat level of an IP or a domain, e.g. "Check the threat level for IP 203.0.113.1"',
      '- show an API\'s traffic analytics, e.g. "Show analytics for API payments-api over 7d"',
      '- search earlier conversations, e.g. "What did we find earlier about 203.0.113.1?"',
    );
    return lines.join('\n');
  }
  lines.push('');
  for (const run of runs) lines.push(`- ${describeRun(run)}`);
  const highest = highestRisk(runs);
  if (highest && runs.filter((r) => r.call.name === 'sentraip_threat_check' && r.outcome.ok).length > 1) {
    lines.push('', `Highest risk: ${highest.level.toUpperCase()} (${highest.target}).`);
  }
  if (plan.skipped.length) lines.push('', `Not checked (at most ${plan.calls.length} lookups per message): ${plan.skipped.join(', ')}.`);
  return lines.join('\n');
}

function describeRun(run: ToolRun): string {
  const { call, outcome } = run;
  const label = String(call.input['target'] ?? call.input['api_id'] ?? 'earlier conversations');
  if (!outcome.ok) return `${label}: could not be checked (${outcome.text.replace(/\s+/g, ' ').slice(0, 200)})`;
  const s = outcome.structured ?? {};
  switch (call.name) {
    case 'sentraip_threat_check':
      return describeThreat(label, s);
    case 'tyk_api_analytics':
      return describeAnalytics(label, s);
    case 'claude_context_search':
      return describeContext(s);
    default:
      return `${call.name}: ${outcome.text.slice(0, 300)}`;
  }
}

function describeThreat(target: string, s: Readonly<Record<string, unknown>>): string {
  if (typeof s['risk_level'] !== 'string') return `${target}: no verdict returned`;
  const score = typeof s['threat_score'] === 'number' ? `, threat score ${s['threat_score']}/10` : '';
  const categories = Array.isArray(s['categories']) && s['categories'].length ? ` — ${s['categories'].join(', ')}` : '';
  const updated = typeof s['last_updated'] === 'string' ? ` (SentraIP, last updated ${s['last_updated']})` : ' (SentraIP)';
  const degraded = s['degraded'] === true ? ' [threat intelligence unavailable: verdict degraded]' : '';
  return `${target} (${String(s['type'] ?? 'target')}): risk ${s['risk_level'].toUpperCase()}${score}${categories}${updated}${degraded}`;
}

function describeAnalytics(apiId: string, s: Readonly<Record<string, unknown>>): string {
  const total = Number(s['total_requests'] ?? 0);
  const errorRate = (Number(s['error_rate'] ?? 0) * 100).toFixed(1);
  const latency = s['latency'] as { p95?: unknown } | undefined;
  const p95 = typeof latency?.p95 === 'number' ? `, p95 latency ${Math.round(latency.p95)} ms` : '';
  const top = Array.isArray(s['top_endpoints']) ? (s['top_endpoints'][0] as { path?: unknown } | undefined) : undefined;
  const topText = typeof top?.path === 'string' ? `; busiest endpoint ${top.path}` : '';
  return `API ${apiId} over ${String(s['time_range'] ?? '24h')}: ${total.toLocaleString('en-US')} requests, error rate ${errorRate}%${p95}${topText}`;
}

function describeContext(s: Readonly<Record<string, unknown>>): string {
  const results = Array.isArray(s['results']) ? (s['results'] as Array<Record<string, unknown>>) : [];
  if (results.length === 0) return 'earlier conversations: nothing matching found';
  const items = results.map((r) => `"${String(r['snippet'])}" (conversation ${String(r['conversation_id'])}, ${String(r['timestamp'])})`);
  return `earlier conversations: ${items.join('; ')}`;
}

function highestRisk(runs: readonly ToolRun[]): { level: string; target: string } | undefined {
  let best: { level: string; target: string } | undefined;
  for (const run of runs) {
    const level = run.outcome.structured?.['risk_level'];
    if (run.call.name !== 'sentraip_threat_check' || !run.outcome.ok || typeof level !== 'string') continue;
    if (!best || RISK_ORDER.indexOf(level) > RISK_ORDER.indexOf(best.level)) best = { level, target: String(run.call.input['target']) };
  }
  return best;
}
