import type { Registry } from 'prom-client';
import { getOrCreateCounter } from '@mcpgw/telemetry';

/** Outcomes of a token request (the `outcome` label). */
export type TokenOutcome =
  | 'issued'
  | 'invalid_client'
  | 'invalid_request'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'endpoint_down'
  | 'endpoint_hang';

/** Outcomes of a threat lookup (the `outcome` label). */
export type LookupOutcome =
  'ok' | 'unauthorized' | 'invalid_target' | 'rate_limited' | 'server_error';

/**
 * Counts since start. `GET /_sim/stats` shows `{ tokens_issued, lookups }` (every lookup request
 * that reached a threat route, whatever its answer); the per-outcome detail, including token
 * requests that failed, is on `/metrics`.
 */
export class SimStats {
  private tokensIssued = 0;
  private lookups = 0;
  private readonly tokenRequests;
  private readonly lookupRequests;

  constructor(registry: Registry) {
    this.tokenRequests = getOrCreateCounter(registry, {
      name: 'sentraip_sim_token_requests_total',
      help: 'Token requests received by the simulator, by outcome',
      labelNames: ['outcome'],
    });
    this.lookupRequests = getOrCreateCounter(registry, {
      name: 'sentraip_sim_lookups_total',
      help: 'Threat lookups received by the simulator, by target type and outcome',
      labelNames: ['type', 'outcome'],
    });
  }

  tokenRequest(outcome: TokenOutcome): void {
    if (outcome === 'issued') this.tokensIssued++;
    this.tokenRequests.inc({ outcome });
  }

  lookupReceived(): void {
    this.lookups++;
  }

  lookupAnswered(type: 'ip' | 'domain', outcome: LookupOutcome): void {
    this.lookupRequests.inc({ type, outcome });
  }

  snapshot(): { tokens_issued: number; lookups: number } {
    return { tokens_issued: this.tokensIssued, lookups: this.lookups };
  }
}
