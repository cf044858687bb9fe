import { describe, expect, it } from 'vitest';
import { extractEntities, timeRangeOf } from './entity-extractor.js';

describe('extractEntities', () => {
  it('finds the IP of the canonical question', () => {
    expect(extractEntities('Check the threat level for IP 203.0.113.1')).toMatchObject({ ips: ['203.0.113.1'], domains: [], apiIds: [] });
  });

  it('finds IPv4 and IPv6 addresses, keeps a sentence-ending period out, and rejects impossible ones', () => {
    const found = extractEntities('Seen: 198.51.100.23. Also 2001:db8::7 and ::ffff:192.0.2.1, not 999.1.1.1 or 1.2.3.4.5');
    expect(found.ips).toEqual(['198.51.100.23', '2001:db8::7', '::ffff:192.0.2.1']);
  });

  it('finds domains, also inside URLs, but not e-mail hosts or file names', () => {
    const found = extractEntities('Is https://login.phish.example/reset safe? Mail from bob@corp.example; see report.pdf and Evil.Example.com.');
    expect(found.domains).toEqual(['login.phish.example', 'evil.example.com']);
  });

  it('finds API ids in the usual phrasings, not the words around them', () => {
    expect(extractEntities('Show analytics for the payments-api API over 7d').apiIds).toEqual(['payments-api']);
    expect(extractEntities('api_id: orders_v2 traffic this month')).toMatchObject({ apiIds: ['orders_v2'], timeRange: '30d' });
    expect(extractEntities('How is API checkout-v3 doing?').apiIds).toEqual(['checkout-v3']);
    expect(extractEntities('show me the API analytics please').apiIds).toEqual([]);
  });

  it('notices questions about earlier conversations', () => {
    expect(extractEntities('What did we find earlier about 203.0.113.1?').recall).toBe(true);
    expect(extractEntities('Check 203.0.113.1').recall).toBe(false);
  });

  it('does not repeat an entity and stays fast on hostile input', () => {
    expect(extractEntities('203.0.113.1 and 203.0.113.1 again').ips).toEqual(['203.0.113.1']);
    // CPU time, not elapsed: other test processes preempt this one on a busy machine. 175,000
    // characters take ~40 ms; a quadratic pattern would take seconds (at 28,000 only ~0.2 s).
    const started = process.cpuUsage();
    extractEntities(`${'a.'.repeat(25_000)}! ${'a-'.repeat(25_000)} ${':'.repeat(25_000)} ${'1.'.repeat(25_000)}`);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });
});

describe('timeRangeOf', () => {
  it.each([
    ['traffic today', '24h'],
    ['over 7d', '7d'],
    ['last week', '7d'],
    ['this month', '30d'],
    ['in the last 30 days', '30d'],
  ])('%s → %s', (text, range) => {
    expect(timeRangeOf(text)).toBe(range);
  });
});
