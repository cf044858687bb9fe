import type { PlannedCall } from '../chat/tool-runner.js';
import { extractEntities, type Entities } from './entity-extractor.js';

/** Most tool calls one offline answer makes (a pasted log full of IPs must not fan out without bound). */
export const MAX_OFFLINE_CALLS = 6;
const CONTEXT_QUERY_MAX = 500;

/** The planner's decision: the calls to make and what it found. */
export interface OfflinePlan {
  readonly calls: PlannedCall[];
  readonly entities: Entities;
  /** Targets found but left out because of {@link MAX_OFFLINE_CALLS}. */
  readonly skipped: string[];
}

/**
 * The deterministic planner of offline mode: every IP address and domain in the message gets a
 * `sentraip_threat_check`, every API id a `tyk_api_analytics` over the window the message names,
 * and a question about earlier conversations a `claude_context_search`. Tools the gateway does
 * not offer this client are skipped (`available` undefined: the list is unknown, try them all).
 */
export function planOfflineCalls(message: string, available?: ReadonlySet<string>): OfflinePlan {
  const entities = extractEntities(message);
  const offered = (tool: string) => available === undefined || available.has(tool);
  const wanted: Array<{ label: string; name: string; input: Record<string, unknown> }> = [];
  if (offered('sentraip_threat_check')) {
    for (const ip of entities.ips) wanted.push({ label: ip, name: 'sentraip_threat_check', input: { target: ip, type: 'ip' } });
    for (const domain of entities.domains) wanted.push({ label: domain, name: 'sentraip_threat_check', input: { target: domain, type: 'domain' } });
  }
  if (offered('tyk_api_analytics')) {
    for (const apiId of entities.apiIds) {
      wanted.push({ label: apiId, name: 'tyk_api_analytics', input: { api_id: apiId, time_range: entities.timeRange } });
    }
  }
  if (entities.recall && offered('claude_context_search')) {
    const query = message.replace(/\s+/g, ' ').trim().slice(0, CONTEXT_QUERY_MAX);
    if (query) wanted.push({ label: 'earlier conversations', name: 'claude_context_search', input: { query, limit: 3 } });
  }
  const kept = wanted.slice(0, MAX_OFFLINE_CALLS);
  return {
    calls: kept.map((w, i) => ({ id: `offline_${i + 1}`, name: w.name, input: w.input })),
    entities,
    skipped: wanted.slice(MAX_OFFLINE_CALLS).map((w) => w.label),
  };
}
