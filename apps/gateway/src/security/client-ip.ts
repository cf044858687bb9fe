import { isIP, type BlockList } from 'node:net';
import { inList } from './authorizer.js';

/** `::ffff:203.0.113.9` → `203.0.113.9`, so one address has one spelling everywhere. */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return mapped?.[1] ?? trimmed;
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy — then the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. Entries a client wrote
 * further left are never believed, so spoofing from an untrusted hop has no effect.
 */
export function clientIpOf(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: BlockList | undefined): string {
  const peer = normaliseIp(socketAddress ?? '');
  if (!trusted || !inList(trusted, peer) || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normaliseIp(h))
    .filter((h) => h.length > 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] ?? '';
    if (isIP(hop) === 0) return peer;
    if (!inList(trusted, hop)) return hop;
  }
  return hops[0] && isIP(hops[0]) ? hops[0] : peer;
}
