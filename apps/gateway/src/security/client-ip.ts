import { isIP, SocketAddress } from 'node:net';
import type { AddressList } from './address-list.js';

/**
 * One spelling per address, so exact-match lists (the blocklist, verdict cache, rate-limit keys)
 * cannot be sidestepped by writing it differently: IPv6 in canonical RFC 5952 form
 * (`2001:0DB8::0:7` → `2001:db8::7`), IPv4-mapped IPv6 as plain IPv4 (`::ffff:cb00:7109` →
 * `203.0.113.9`). Anything that is not an address is returned trimmed.
 */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  const canonical = isIP(trimmed) === 6 ? new SocketAddress({ address: trimmed, family: 'ipv6' }).address : trimmed;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(canonical);
  return mapped?.[1] ?? canonical;
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy — then the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. Entries a client wrote
 * further left are never believed, so spoofing from an untrusted hop has no effect.
 */
export function clientIpOf(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: AddressList | undefined): string {
  const peer = normaliseIp(socketAddress ?? '');
  if (!trusted || !trusted.has(peer) || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normaliseIp(h))
    .filter((h) => h.length > 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) return peer;
    if (!trusted.has(hop)) return hop;
  }
  return hops[0] && isIP(hops[0]) ? hops[0] : peer;
}
