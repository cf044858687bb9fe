import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';
import { isIpv4, isIpv6 } from './ip.detectors.js';

const hits = (text: string, kind: 'ipv4' | 'ipv6') =>
  detect(text, { kinds: [kind] }).map((f) => text.slice(f.start, f.end));

describe('ipv4', () => {
  it('finds addresses in logs', () => {
    expect(hits('203.0.113.7 - - [20/Nov/2026:09:00:02 +0000]', 'ipv4')).toEqual(['203.0.113.7']);
    expect(
      hits('"client_ip":"198.51.100.23", from 0.0.0.0:8080 and 255.255.255.255.', 'ipv4'),
    ).toEqual(['198.51.100.23', '0.0.0.0', '255.255.255.255']);
  });

  it('ignores out-of-range octets, leading zeros, versions and longer dotted runs', () => {
    expect(
      hits('999.1.1.1 1.2.3.256 01.2.3.4 v1.2.3.4 1.2.3.4.5 1.2.3 1.2.3.4567', 'ipv4'),
    ).toEqual([]);
  });

  it('validates octets', () => {
    expect(isIpv4('192.0.2.1')).toBe(true);
    expect(isIpv4('192.0.2')).toBe(false);
    expect(isIpv4('192.0.2.1a')).toBe(false);
  });
});

describe('ipv6', () => {
  it('finds full, compressed, loopback and IPv4-mapped forms', () => {
    const text =
      'a 2001:0db8:85a3:0000:0000:8a2e:0370:7334 b 2001:db8::17, c ::1 d ::ffff:192.0.2.1 e fe80::1%eth0 f [2001:db8::2]:443';
    expect(hits(text, 'ipv6')).toEqual([
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '2001:db8::17',
      '::1',
      '::ffff:192.0.2.1',
      'fe80::1',
      '2001:db8::2',
    ]);
  });

  it('trims sentence punctuation', () => {
    expect(hits('from 2001:db8::1. Then 2001:db8::3: refused', 'ipv6')).toEqual([
      '2001:db8::1',
      '2001:db8::3',
    ]);
  });

  it('ignores times, MAC addresses, C++ scopes and malformed groups', () => {
    const text = '08:00:52 00:1a:2b:3c:4d:5e std::vector a:::b 1::2::3 12345::1 :: 2001:db8::1g';
    expect(hits(text, 'ipv6')).toEqual([]);
  });

  it('validates the group structure', () => {
    expect(isIpv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIpv6('1:2:3:4:5:6:7')).toBe(false);
    expect(isIpv6('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(isIpv6('1::2:3:4:5:6:7:8')).toBe(false);
    expect(isIpv6('::ffff:1.2.3.999')).toBe(false);
  });
});
