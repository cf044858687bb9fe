import { SpanKind } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import {
  Bulkhead,
  createCircuitBreaker,
  retry,
  type BreakerState,
  type CircuitBreaker,
  type ResilienceLogger,
} from '@mcpgw/resilience';
import { ATTR_SENTRAIP_RISK_SCORE, injectTraceHeaders, withSpan } from '@mcpgw/telemetry';
import { SentraipError } from '../errors.js';
import type { BrokerMetrics } from '../metrics.js';
import type { ThreatTarget } from '../targets/parse-target.js';
import { normaliseUpstream, type VerdictData } from '../threats/verdict.js';
import type { TokenProvider } from '../tokens/token-provider.js';
import { statusError, type SentraipHttp } from './http-client.js';
import { outcomeOf } from './outcome.js';

export interface ThreatClientOptions {
  http: SentraipHttp;
  tokens: TokenProvider;
  metrics: BrokerMetrics;
  registry: Registry;
  logger: ResilienceLogger;
  /** Budget of one attempt; the breaker aborts the request when it runs out. */
  timeoutMs: number;
  /** Attempts after the first (5xx, 429, timeouts, network errors only). */
  retries: number;
  /** Whole lookup, retries and backoff included. */
  deadlineMs: number;
  maxConcurrent: number;
  maxQueue: number;
  breakerResetMs: number;
  baseDelayMs?: number;
}

interface LookupCall {
  target: ThreatTarget;
  token: string;
}

/** Failures that say SentraIP is unhealthy; a refused token or a 4xx says nothing about it. */
function countsAgainstBreaker(err: unknown): boolean {
  return !(err instanceof SentraipError) || err.retryable || err.reason === 'invalid_response';
}

/**
 * Looks targets up at SentraIP, resiliently: retries with full-jitter backoff (honouring
 * `Retry-After`, never on a 4xx) around a bulkhead (bounded concurrency and queue) around a
 * circuit breaker whose per-call timeout aborts the request. A 401 drops the token, obtains a
 * new one and tries once more.
 */
export class ThreatClient {
  private readonly breaker: CircuitBreaker<[LookupCall], VerdictData>;
  private readonly bulkhead: Bulkhead;

  constructor(private readonly options: ThreatClientOptions) {
    this.breaker = createCircuitBreaker<[LookupCall], VerdictData>(
      (cancellation, call) => this.request(cancellation.signal, call),
      {
        name: 'sentraip',
        timeoutMs: options.timeoutMs,
        resetTimeoutMs: options.breakerResetMs,
        isFailure: countsAgainstBreaker,
        registry: options.registry,
        logger: options.logger,
      },
    );
    this.bulkhead = new Bulkhead({
      name: 'sentraip',
      maxConcurrent: options.maxConcurrent,
      maxQueue: options.maxQueue,
      queueTimeoutMs: options.deadlineMs,
      registry: options.registry,
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async lookup(target: ThreatTarget): Promise<VerdictData> {
    const token = await this.options.tokens.getToken();
    try {
      return await this.resilientCall({ target, token });
    } catch (err) {
      if (!(err instanceof SentraipError && err.reason === 'unauthorized')) throw err;
      const renewed = await this.options.tokens.renewAfterRejection(token);
      return this.resilientCall({ target, token: renewed });
    }
  }

  close(): void {
    this.breaker.shutdown();
  }

  private resilientCall(call: LookupCall): Promise<VerdictData> {
    return retry((_attempt, signal) => this.attempt(signal, call), {
      retries: this.options.retries,
      baseDelayMs: this.options.baseDelayMs ?? 100,
      maxDelayMs: 1_000,
      deadlineMs: this.options.deadlineMs,
      retryAfterMs: (err) => (err instanceof SentraipError ? err.retryAfterMs : undefined),
    });
  }

  private async attempt(signal: AbortSignal, call: LookupCall): Promise<VerdictData> {
    try {
      const data = await this.bulkhead.run(() => this.breaker.fireWithSignal(signal, call), {
        signal,
      });
      this.options.metrics.sentraipRequest('lookup', 'success');
      return data;
    } catch (err) {
      this.options.metrics.sentraipRequest('lookup', outcomeOf(err));
      throw err;
    }
  }

  private request(signal: AbortSignal, { target, token }: LookupCall): Promise<VerdictData> {
    return withSpan(
      'sentraip.threat_lookup',
      { kind: SpanKind.CLIENT, attributes: { 'sentraip.target.type': target.type } },
      async (span) => {
        const result = await this.options.http.send(
          {
            method: 'GET',
            url: `/v1/threat-intelligence/${target.type}/${encodeURIComponent(target.target)}`,
            headers: injectTraceHeaders({ Authorization: `Bearer ${token}` }),
          },
          signal,
        );
        span.setAttribute('http.response.status_code', result.status);
        if (result.status !== 200) throw statusError(result, 'lookup');
        const data = normaliseUpstream(result.data, target);
        if (data.threat_score !== null)
          span.setAttribute(ATTR_SENTRAIP_RISK_SCORE, data.threat_score);
        return data;
      },
    );
  }
}
