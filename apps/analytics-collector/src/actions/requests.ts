import { createHmac } from 'node:crypto';
import { injectTraceHeaders } from '@mcpgw/telemetry';
import type { WebhookSpec } from '../rules/rule-types.js';
import type { ActionJob } from './action-job.js';
import type { OutgoingRequest } from './http-post.js';

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-signature-256';

/** The signature value of `body` under `secret`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  injectTraceHeaders(headers);
  return headers;
}

/**
 * A webhook delivery: JSON body with the delivery id and time, signed over the exact bytes
 * sent. Receivers verify the HMAC with their copy of the secret, reject stale timestamps, and
 * deduplicate by `X-Webhook-Id` (also `Idempotency-Key`), which is the same on every retry.
 */
export function webhookRequest(
  job: ActionJob,
  spec: WebhookSpec,
  userAgent: string,
  now: number,
): OutgoingRequest {
  const body = JSON.stringify({
    id: job.key,
    timestamp: new Date(now).toISOString(),
    ...job.payload,
  });
  return {
    url: spec.url,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      'x-webhook-id': job.key,
      'x-webhook-timestamp': String(Math.floor(now / 1_000)),
      'idempotency-key': job.key,
      [SIGNATURE_HEADER]: signBody(body, spec.secret),
      ...traceHeaders(),
    },
  };
}

/**
 * The block call the gateway's admin API implements (docs/analytics-collector.md):
 * `POST {GATEWAY_URL}/admin/blocklist` `{ ip, ttl_seconds, reason, incident_id }` with the
 * gateway's service token; `Idempotency-Key` lets the gateway ignore a repeat.
 */
export function blockRequest(
  job: ActionJob,
  gatewayUrl: string,
  token: string | undefined,
  userAgent: string,
): OutgoingRequest {
  const { ip, ttl_seconds, reason, incident_id } = job.payload;
  return {
    url: `${gatewayUrl.replace(/\/+$/, '')}/admin/blocklist`,
    body: JSON.stringify({ ip, ttl_seconds, reason, incident_id }),
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      'idempotency-key': job.key,
      ...(token && { authorization: `Bearer ${token}` }),
      ...traceHeaders(),
    },
  };
}
