import { IPV4_PATTERN, IPV6_PATTERN } from '@mcpgw/tool-schemas';

const IPV4 = new RegExp(IPV4_PATTERN, 'u');
const IPV6 = new RegExp(IPV6_PATTERN, 'u');
const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;
const LOOKS_V4 = /^[0-9.]+$/;

/** A parsed address: the canonical text, or the reason it is not an address. */
export type IpParse = { ok: true; address: string } | { ok: false; problem: string };

/**
 * Validates and canonicalises an IP address: IPv4 in dotted-quad form without leading zeros
 * (an `010` octet is ambiguous: octal to some parsers), IPv6 in RFC 5952 form (lower case,
 * longest zero run compressed), and IPv4-mapped IPv6 (`::ffff:203.0.113.7`) as the IPv4 address
 * it stands for, so one host has one cache key and one verdict however it is written. Zone ids
 * (`fe80::1%eth0`) are refused: they name an interface of the caller, not a host.
 */
export function parseIpAddress(raw: string): IpParse {
  if (IPV4.test(raw)) return { ok: true, address: raw };
  if (LOOKS_V4.test(raw)) {
    return {
      ok: false,
      problem: 'target is not a valid IPv4 address (four decimal octets 0-255, no leading zeros)',
    };
  }
  if (raw.includes(':')) {
    if (!IPV6.test(raw)) return { ok: false, problem: 'target is not a valid IPv6 address' };
    // The WHATWG URL parser serialises IPv6 hosts in the RFC 5952 canonical form.
    const canonical = new URL(`http://[${raw}]/`).hostname.slice(1, -1);
    const mapped = MAPPED_V4.exec(canonical);
    if (!mapped) return { ok: true, address: canonical };
    const hi = parseInt(mapped[1] ?? '0', 16);
    const lo = parseInt(mapped[2] ?? '0', 16);
    return { ok: true, address: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.') };
  }
  return { ok: false, problem: 'target must be an IPv4 or IPv6 address' };
}
