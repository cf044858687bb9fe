import type { Counter, Histogram, Registry } from 'prom-client';
import { getOrCreateCounter, getOrCreateHistogram } from '@mcpgw/telemetry';

/** Why an answer was produced by the offline planner instead of Claude (the `reason` label). */
export type DegradedReason =
  | 'no_api_key'
  | 'breaker_open'
  | 'overloaded'
  | 'rate_limited'
  | 'spend_limit'
  | 'auth'
  | 'unavailable'
  | 'model_error';

/** How an exchange ended (the `outcome` label). */
export type ExchangeOutcome = 'ok' | 'degraded' | 'loop_limit' | 'cancelled' | 'error';

/** The chat client's own metrics, registered once per registry (label values are bounded). */
export interface ChatMetrics {
  /** `chat_request_duration_seconds{endpoint,outcome}`: wall time of one exchange. */
  readonly exchangeDuration: Histogram<'endpoint' | 'outcome'>;
  /** `chat_tokens_total{direction,model}`: tokens the model provider reported. */
  readonly tokens: Counter<'direction' | 'model'>;
  /** `chat_model_calls_total{model,outcome}`: Messages API calls (after the SDK's retries). */
  readonly modelCalls: Counter<'model' | 'outcome'>;
  /** `chat_tool_calls_total{tool,outcome}`: tools run through the gateway. */
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  /** `chat_degraded_answers_total{reason}`: offline answers. */
  readonly degradedAnswers: Counter<'reason'>;
  /** `chat_context_searches_total{scope}`: context searches and how they were scoped. */
  readonly contextSearches: Counter<'scope'>;
}

export function createChatMetrics(registry: Registry): ChatMetrics {
  return {
    exchangeDuration: getOrCreateHistogram(registry, {
      name: 'chat_request_duration_seconds',
      help: 'Time to answer one chat message, by endpoint and outcome',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
    }),
    tokens: getOrCreateCounter(registry, {
      name: 'chat_tokens_total',
      help: 'Tokens reported by the model provider, by direction (input/output) and model',
      labelNames: ['direction', 'model'],
    }),
    modelCalls: getOrCreateCounter(registry, {
      name: 'chat_model_calls_total',
      help: 'Messages API calls, by model and outcome',
      labelNames: ['model', 'outcome'],
    }),
    toolCalls: getOrCreateCounter(registry, {
      name: 'chat_tool_calls_total',
      help: 'Tool calls made through the gateway, by tool and outcome (ok, tool_error, refused, unavailable)',
      labelNames: ['tool', 'outcome'],
    }),
    degradedAnswers: getOrCreateCounter(registry, {
      name: 'chat_degraded_answers_total',
      help: 'Answers produced by the offline planner instead of Claude, by reason',
      labelNames: ['reason'],
    }),
    contextSearches: getOrCreateCounter(registry, {
      name: 'chat_context_searches_total',
      help: 'Context searches served, by how the caller user was established (grant, header, none)',
      labelNames: ['scope'],
    }),
  };
}
