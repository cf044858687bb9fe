import Anthropic, { type Middleware } from '@anthropic-ai/sdk';
import type { Logger } from '@mcpgw/telemetry';
import { isSpendLimitBody } from './model-failure.js';

export interface AnthropicClientOptions {
  apiKey: string;
  baseUrl?: string;
  maxRetries: number;
  timeoutMs: number;
  logger: Logger;
  fetch?: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

/**
 * The SDK retries every 429, so a spend-limit 429 (`contract_spend_limit_reached`,
 * `enforced_spend_limit_reached`) would be retried until `maxRetries` for nothing. This middleware
 * reads such an answer's body and marks it `x-should-retry: false`, the header the SDK obeys,
 * so it fails at once with the SDK's own typed error.
 */
export const noRetryOnSpendLimit: Middleware = async (request, next) => {
  const response = await next(request);
  if (response.status !== 429 && response.status !== 402) return response;
  let body: unknown;
  try {
    body = JSON.parse(await response.clone().text());
  } catch {
    return response;
  }
  if (!isSpendLimitBody(body)) return response;
  const headers = new Headers(response.headers);
  headers.set('x-should-retry', 'false');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
};

/**
 * The Anthropic client, configured from our validated config only: the SDK would otherwise read
 * `ANTHROPIC_*` variables and credential profiles on its own. Its OpenTelemetry spans are off
 * because the model caller emits the `chat {model}` span itself (with the same GenAI attributes);
 * two spans per call would double-count in trace views.
 */
export function createAnthropicClient(options: AnthropicClientOptions): Anthropic {
  const log = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, ...rest: unknown[]) =>
    options.logger.log(level, `anthropic sdk: ${message}`, rest.length ? { detail: rest } : {});
  return new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? 'https://api.anthropic.com',
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
    middleware: [noRetryOnSpendLimit],
    openTelemetry: { traces: false, propagation: false },
    logLevel: 'warn',
    logger: { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
