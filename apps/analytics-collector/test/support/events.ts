import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@mcpgw/tool-schemas';

/** A valid audit event; `overrides` win. */
export function makeEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    v: 1,
    event_id: randomUUID(),
    type: 'rest.request',
    timestamp: new Date().toISOString(),
    request_id: `req-${randomUUID().slice(0, 8)}`,
    decision: 'allow',
    status: 200,
    duration_ms: 12.5,
    degraded: false,
    client_ip: '198.51.100.10',
    ...overrides,
  };
}

/** An event of a failed API key check from `ip`. */
export function invalidKeyEvent(ip: string, at = Date.now()): AuditEvent {
  return makeEvent({
    type: 'mcp.request',
    timestamp: new Date(at).toISOString(),
    decision: 'deny',
    reason: 'invalid_api_key',
    status: 401,
    duration_ms: 1.2,
    client_ip: ip,
    method: 'tools/call',
  });
}

/** Deterministic PRNG (mulberry32) so seeded data sets are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
