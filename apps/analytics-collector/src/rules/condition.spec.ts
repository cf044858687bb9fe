import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { compileCondition } from './condition.js';
import type { ConditionSpec } from './rule-types.js';

const base: AuditEvent = {
  v: 1,
  event_id: '0b7c2f5e-8f51-4c1e-9b1a-2f6a4d3c2b1a',
  type: 'mcp.request',
  timestamp: '2025-01-01T00:00:00Z',
  request_id: 'r1',
  decision: 'deny',
  reason: 'invalid_api_key',
  status: 401,
  duration_ms: 3,
  degraded: false,
  client_ip: '10.1.2.3',
  threat_score: 8.5,
  endpoint: '/admin/users',
};

const check = (spec: ConditionSpec, event: Partial<AuditEvent> = {}) =>
  compileCondition(spec)({ ...base, ...event });

describe('rule conditions', () => {
  it.each<[ConditionSpec, boolean]>([
    [{ field: 'decision', eq: 'deny' }, true],
    [{ field: 'decision', eq: 'allow' }, false],
    [{ field: 'status', eq: '401' }, false],
    [{ field: 'decision', neq: 'allow' }, true],
    [{ field: 'user', neq: 'alice' }, true],
    [{ field: 'threat_score', gt: 8 }, true],
    [{ field: 'threat_score', gt: 8.5 }, false],
    [{ field: 'threat_score', gte: 8.5 }, true],
    [{ field: 'status', lt: 500 }, true],
    [{ field: 'status', lte: 400 }, false],
    [{ field: 'reason', in: ['invalid_api_key', 'expired'] }, true],
    [{ field: 'reason', in: ['expired'] }, false],
    [{ field: 'endpoint', regex: '^/admin/' }, true],
    [{ field: 'endpoint', regex: 'Admin' }, false],
    [{ field: 'client_ip', cidr: '10.0.0.0/8' }, true],
    [{ field: 'client_ip', cidr: ['192.168.0.0/16', '10.1.2.3'] }, true],
    [{ field: 'client_ip', cidr: '10.1.2.0/31' }, false],
    [{ field: 'client_id', exists: true }, false],
    [{ field: 'client_id', exists: false }, true],
    [{ field: 'client_ip', exists: true }, true],
  ])('%j → %s', (spec, expected) => {
    expect(check(spec)).toBe(expected);
  });

  it('treats a missing field as not matching, except neq and exists: false', () => {
    const missing = { threat_score: undefined, endpoint: undefined, client_ip: undefined };
    expect(check({ field: 'threat_score', gte: 0 }, missing)).toBe(false);
    expect(check({ field: 'threat_score', lte: 100 }, missing)).toBe(false);
    expect(check({ field: 'endpoint', regex: '.*' }, missing)).toBe(false);
    expect(check({ field: 'client_ip', cidr: '0.0.0.0/0' }, missing)).toBe(false);
    expect(check({ field: 'endpoint', neq: '/x' }, missing)).toBe(true);
  });

  it('matches IPv6 and IPv4-mapped addresses against CIDRs', () => {
    expect(check({ field: 'client_ip', cidr: '2001:db8::/32' }, { client_ip: '2001:db8::1' })).toBe(
      true,
    );
    expect(check({ field: 'client_ip', cidr: '2001:db8::/32' }, { client_ip: '2001:db9::1' })).toBe(
      false,
    );
    expect(
      check({ field: 'client_ip', cidr: '10.0.0.0/8' }, { client_ip: '::ffff:10.9.9.9' }),
    ).toBe(true);
  });

  it('compares eq, neq and in with an address literal in canonical form on both sides', () => {
    const mapped = { client_ip: '::FFFF:203.0.113.7' };
    const v6 = { client_ip: '2001:db8::1' };
    expect(check({ field: 'client_ip', eq: '203.0.113.7' }, mapped)).toBe(true);
    expect(
      check({ field: 'client_ip', eq: '::ffff:203.0.113.7' }, { client_ip: '203.0.113.7' }),
    ).toBe(true);
    expect(check({ field: 'client_ip', eq: '2001:DB8:0:0:0:0:0:1' }, v6)).toBe(true);
    expect(check({ field: 'client_ip', neq: '2001:DB8::0001' }, v6)).toBe(false);
    expect(check({ field: 'client_ip', neq: '2001:db8::2' }, v6)).toBe(true);
    expect(check({ field: 'client_ip', in: ['198.51.100.1', '2001:0DB8::1'] }, v6)).toBe(true);
    expect(check({ field: 'client_ip', in: ['::ffff:203.0.113.8'] }, mapped)).toBe(false);
    // A literal that is no address is compared as written.
    expect(check({ field: 'user', eq: 'Alice' }, { user: 'alice' })).toBe(false);
    expect(check({ field: 'status', in: [401, 'x'] })).toBe(true);
  });

  it('combines with all, any and not', () => {
    const attack: ConditionSpec = {
      all: [
        { field: 'decision', eq: 'deny' },
        {
          any: [
            { field: 'reason', eq: 'invalid_api_key' },
            { field: 'threat_score', gte: 9 },
          ],
        },
        { not: { field: 'client_ip', cidr: '192.168.0.0/16' } },
      ],
    };
    expect(check(attack)).toBe(true);
    expect(check(attack, { reason: 'other' })).toBe(false);
    expect(check(attack, { reason: 'other', threat_score: 9.5 })).toBe(true);
    expect(check(attack, { client_ip: '192.168.1.1' })).toBe(false);
  });
});
