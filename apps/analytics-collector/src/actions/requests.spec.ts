import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookSpec } from '../rules/rule-types.js';
import type { ActionJob } from './action-job.js';
import { blockRequest, SIGNATURE_HEADER, signBody, webhookRequest } from './requests.js';

const job = (action: ActionJob['action'], payload: Record<string, unknown>): ActionJob => ({
  key: `inc-1:${action}:x`,
  incident_id: 'inc-1',
  action,
  target: 'x',
  created_at: '2025-01-01T00:00:00.000Z',
  payload,
});

describe('action requests', () => {
  it('signs the exact webhook body with HMAC-SHA256 and carries the delivery id', () => {
    const spec = { url: 'https://hooks.example.com/a', secret: 'k'.repeat(20) } as WebhookSpec;
    const req = webhookRequest(
      job('webhook', { type: 'incident.created', incident: { a: 1 } }),
      spec,
      'ua/1',
      Date.parse('2025-01-01T00:00:05Z'),
    );
    expect(req.headers[SIGNATURE_HEADER]).toBe(
      `sha256=${createHmac('sha256', spec.secret).update(req.body).digest('hex')}`,
    );
    expect(req.headers[SIGNATURE_HEADER]).toBe(signBody(req.body, spec.secret));
    expect(req.headers['x-webhook-id']).toBe('inc-1:webhook:x');
    expect(req.headers['x-webhook-timestamp']).toBe('1735689605');
    expect(JSON.parse(req.body)).toEqual({
      id: 'inc-1:webhook:x',
      timestamp: '2025-01-01T00:00:05.000Z',
      type: 'incident.created',
      incident: { a: 1 },
    });
    expect(req.body).not.toContain(spec.secret);
    expect(signBody(`${req.body} `, spec.secret)).not.toBe(req.headers[SIGNATURE_HEADER]);
  });

  it('builds the gateway block call of the documented contract', () => {
    const req = blockRequest(
      job('block_ip', {
        ip: '192.0.2.1',
        ttl_seconds: 60,
        reason: 'rule:r',
        incident_id: 'inc-1',
        extra: 1,
      }),
      'http://gw:8080/base/',
      'tok',
      'ua/1',
    );
    expect(req.url).toBe('http://gw:8080/base/admin/blocklist');
    expect(JSON.parse(req.body)).toEqual({
      ip: '192.0.2.1',
      ttl_seconds: 60,
      reason: 'rule:r',
      incident_id: 'inc-1',
    });
    expect(req.headers['authorization']).toBe('Bearer tok');
    expect(req.headers['idempotency-key']).toBe('inc-1:block_ip:x');
    expect(
      blockRequest(job('block_ip', {}), 'http://gw', undefined, 'ua').headers['authorization'],
    ).toBeUndefined();
  });
});
