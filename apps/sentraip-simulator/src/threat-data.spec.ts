import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_FILE } from './config.js';
import { canonicalIp, simRiskLevel, ThreatData, ThreatDataError } from './threat-data.js';
import type { ThreatDataFile } from './threat-data-schema.js';

const shipped = ThreatData.load(DEFAULT_DATA_FILE);
const octet = fc.integer({ min: 0, max: 255 });

describe('shipped threat data', () => {
  it.each([
    ['203.0.113.9', 9, 'critical'],
    ['203.0.113.10', 10, 'critical'],
    ['203.0.113.70', 7, 'high'],
    ['198.51.100.5', 5, 'medium'],
    ['198.51.100.44', 4, 'medium'],
    ['192.0.2.1', 0, 'low'],
    ['8.8.8.8', 0, 'low'],
    ['2001:db8:bad::1', 9, 'critical'],
    ['2001:db8:5::7', 5, 'medium'],
    ['2001:db8::1', 0, 'low'],
  ])('scores %s as %i (%s)', (ip, score, level) => {
    expect(shipped.ip(ip)).toMatchObject({
      target: ip,
      type: 'ip',
      threat_score: score,
      risk_level: level,
    });
  });

  it('answers every field of the API body', () => {
    expect(shipped.ip('203.0.113.10')).toEqual({
      target: '203.0.113.10',
      type: 'ip',
      threat_score: 10,
      risk_level: 'critical',
      categories: ['botnet', 'c2', 'tor-exit'],
      first_seen: '2024-01-15T08:00:00Z',
      last_seen: '2025-06-01T12:30:00Z',
      last_updated: '2025-06-01T12:45:00Z',
      country: 'NL',
      asn: 'AS64500',
      is_tor: true,
      is_proxy: true,
      sources: ['sentraip-honeypots', 'abuse-reports'],
    });
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(shipped.ip('::ffff:203.0.113.9')).toMatchObject({
      target: '203.0.113.9',
      threat_score: 9,
    });
    expect(shipped.ip('::FFFF:cb00:7109')).toMatchObject({
      target: '203.0.113.9',
      threat_score: 9,
    });
  });

  it('refuses what is not an IP address', () => {
    for (const raw of ['999.1.1.1', '01.2.3.4', 'fe80::1%eth0', 'example.com', '']) {
      expect(shipped.ip(raw)).toBeUndefined();
    }
  });

  it.each([
    ['malware.example', 9],
    ['cdn.malware.example', 9],
    ['PHISH.example', 10],
    ['xn--80ak6aa92e.com', 9],
    ['suspicious.example', 5],
    ['newly-registered.example', 4],
    ['www.newly-registered.example', 0],
    ['notmalware.example', 0],
    ['example.com', 0],
  ])('scores domain %s as %i', (domain, score) => {
    expect(shipped.domain(domain)).toMatchObject({
      target: domain.toLowerCase(),
      type: 'domain',
      threat_score: score,
    });
  });

  it('scores every address of 203.0.113.0/24 at least 7, and of 198.51.100.0/24 4-6', () => {
    fc.assert(
      fc.property(octet, (last) => {
        expect(shipped.ip(`203.0.113.${last}`)?.threat_score).toBeGreaterThanOrEqual(7);
        const suspicious = shipped.ip(`198.51.100.${last}`)?.threat_score ?? -1;
        expect(suspicious >= 4 && suspicious <= 6).toBe(true);
      }),
    );
  });

  it('scores every IPv4 address outside the two ranges 0', () => {
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), ([a, b, c, d]) => {
        fc.pre(!(a === 203 && b === 0 && c === 113) && !(a === 198 && b === 51 && c === 100));
        expect(shipped.ip(`${a}.${b}.${c}.${d}`)?.threat_score).toBe(0);
      }),
    );
  });
});

describe('threat data validation', () => {
  const base = (): ThreatDataFile => ({
    version: 1,
    profiles: {
      clean: {
        threat_score: 0,
        categories: [],
        first_seen: null,
        last_seen: null,
        last_updated: '2025-01-01T00:00:00Z',
        country: 'US',
        asn: 'AS64496',
        is_tor: false,
        is_proxy: false,
        sources: ['x'],
      },
    },
    ips: [],
    domains: [],
    default: 'clean',
  });

  it('accepts a minimal file', () => {
    expect(new ThreatData(base()).ip('1.2.3.4')?.threat_score).toBe(0);
  });

  it('rejects an unknown profile, a bad range, a bad prefix and a bad score', () => {
    expect(() => new ThreatData({ ...base(), default: 'nope' })).toThrow(/unknown profile "nope"/);
    expect(
      () => new ThreatData({ ...base(), ips: [{ match: '10.0.0.0/8', profile: 'missing' }] }),
    ).toThrow(ThreatDataError);
    expect(
      () => new ThreatData({ ...base(), ips: [{ match: '10.0.0/8', profile: 'clean' }] }),
    ).toThrow(/not an IP address/);
    expect(
      () => new ThreatData({ ...base(), ips: [{ match: '10.0.0.0/33', profile: 'clean' }] }),
    ).toThrow(/prefix/);
    expect(
      () =>
        new ThreatData({
          ...base(),
          ips: [{ match: '10.0.0.1', profile: 'clean', threat_score: 11 }],
        }),
    ).toThrow(/threat_score/);
  });

  it('reports an unreadable file with its own error code', () => {
    expect(() => ThreatData.load('/nonexistent/threat-intel.json')).toThrow(
      expect.objectContaining({ code: 'SIM_DATA_INVALID' }),
    );
  });
});

describe('canonicalIp and simRiskLevel', () => {
  it('canonicalises IPv6 text and keeps IPv4 as is', () => {
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toEqual({ address: '2001:db8::1', family: 'ipv6' });
    expect(canonicalIp('10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
  });

  it('bands scores like the SentraIP API', () => {
    expect([0, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(simRiskLevel)).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
  });
});
