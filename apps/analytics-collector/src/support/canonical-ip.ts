import { isIP, SocketAddress } from 'node:net';

const MAPPED_PREFIX = '::ffff:';
const HEX_TAIL = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** `hhhh:llll` (the last 32 bits of an IPv6 address) as a dotted quad. */
function dottedQuad(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The one text form of an IP address that the collector stores, groups by and compares, so one
 * address written two ways is still one address: IPv4 as a dotted quad; an IPv4-mapped IPv6
 * address (`::ffff:203.0.113.7`, `::FFFF:cb00:7107`) as its IPv4 address; any other IPv6
 * address in lower case, compressed as RFC 5952 says (`2001:DB8:0:0:0:0:0:1` → `2001:db8::1`).
 * A value that is not an IP address (or carries a `%zone`) is returned as written.
 */
export function canonicalIp(value: string): string {
  const family = isIP(value);
  // Node's isIP accepts IPv4 only as a dotted quad without leading zeros: already canonical.
  if (family !== 6 || value.includes('%')) return value;
  // SocketAddress prints through inet_ntop (libuv): lower case, longest zero run as `::`
  // (the first on a tie, never a single field), IPv4-mapped addresses in dotted notation.
  const printed = new SocketAddress({ address: value, family: 'ipv6' }).address;
  if (!printed.startsWith(MAPPED_PREFIX)) return printed;
  const tail = printed.slice(MAPPED_PREFIX.length);
  if (isIP(tail) === 4) return tail;
  // Should an inet_ntop print the mapped tail in hex instead, it is the same IPv4 address.
  const hex = HEX_TAIL.exec(tail);
  return hex ? dottedQuad(parseInt(hex[1] ?? '0', 16), parseInt(hex[2] ?? '0', 16)) : printed;
}

/** `value` with {@link canonicalIp} applied when it is a string; anything else unchanged. */
export function canonicalIpValue(value: unknown): unknown {
  return typeof value === 'string' ? canonicalIp(value) : value;
}
