import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkBatch } from './check-batch.js';

const good = () => ({
  v: 1,
  event_id: randomUUID(),
  type: 'rest.request',
  timestamp: '2025-01-01T00:00:00Z',
  request_id: 'r',
  decision: 'allow',
  status: 200,
  duration_ms: 1,
  degraded: false,
});

describe('batch check', () => {
  it('keeps good events and names each bad one by index and field', () => {
    const a = good();
    const result = checkBatch(
      { events: [a, { ...good(), decision: 'deny' }, 'nope', { ...a }] },
      10,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.batch.valid).toEqual([a]);
    expect(result.batch.repeated).toBe(1);
    expect(result.batch.rejected).toEqual([
      {
        index: 1,
        event_id: expect.any(String) as unknown,
        errors: [
          { field: 'events[1].reason', message: expect.stringContaining('reason') as unknown },
        ],
      },
      { index: 2, errors: [{ field: 'events[2]', message: expect.any(String) as unknown }] },
    ]);
  });

  it('refuses a malformed envelope as a whole', () => {
    for (const body of [
      null,
      [],
      {},
      { events: [] },
      { events: 'x' },
      { events: [good()], x: 1 },
      { events: [good(), good()] },
    ]) {
      const result = checkBatch(body, 1);
      expect(result.ok).toBe(false);
    }
  });

  it('stores client_ip in its canonical form and leaves the other fields as sent', () => {
    const mapped = { ...good(), client_ip: '::FFFF:203.0.113.7' };
    const v6 = { ...good(), client_ip: '2001:DB8:0:0:0:0:0:1' };
    const plain = { ...good(), client_ip: '198.51.100.1' };
    const result = checkBatch({ events: [mapped, v6, plain] }, 10);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.batch.valid).toEqual([
      { ...mapped, client_ip: '203.0.113.7' },
      { ...v6, client_ip: '2001:db8::1' },
      plain,
    ]);
  });
});
