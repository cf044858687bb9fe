import { isAlnumCode, isDigitCode, scanMatches, type Detector, type Span } from './detector.js';

// Four dotted groups of 1–3 digits; the octet values are checked in code. Not preceded by a
// letter, digit or dot, so version strings such as "v1.2.3.4" and longer dotted runs are left alone.
const IPV4 = /(?<![0-9A-Za-z.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9]|\.[0-9])/g;

/** A dotted quad with octets 0–255 and no leading zeros. */
export function isIpv4(candidate: string): boolean {
  const parts = candidate.split('.');
  if (parts.length !== 4) return false;
  return parts.every((part) => {
    if (part.length === 0 || part.length > 3) return false;
    for (let i = 0; i < part.length; i += 1) if (!isDigitCode(part.charCodeAt(i))) return false;
    if (part.length > 1 && part.startsWith('0')) return false;
    return Number(part) <= 255;
  });
}

/** IPv4 addresses in dotted-quad notation. */
export const ipv4Detector: Detector = {
  kind: 'ipv4',
  patterns: [IPV4],
  scan: (text, emit) =>
    scanMatches(
      IPV4,
      text,
      (m) => (isIpv4(m[0]) ? { start: m.index, end: m.index + m[0].length } : null),
      emit,
    ),
};

// A run of hex digits, colons and dots containing a colon; its structure is parsed in code.
// 45 characters hold the longest textual form (IPv4-mapped, uncompressed).
const IPV6 = /(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{1,44}/g;

function isHexGroup(group: string): boolean {
  if (group.length === 0 || group.length > 4) return false;
  for (let i = 0; i < group.length; i += 1) {
    const code = group.charCodeAt(i) | 0x20; // ASCII lower-case
    if (!isDigitCode(code) && !(code >= 97 && code <= 102)) return false;
  }
  return true;
}

/** RFC 4291 text form: eight groups, or fewer around one `::`, optionally ending in a dotted quad. */
export function isIpv6(candidate: string): boolean {
  let text = candidate;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (!isIpv4(text.slice(lastColon + 1))) return false;
    text = `${text.slice(0, lastColon + 1)}0:0`; // the quad stands for two groups
  }
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return false;
  if (gap < 0) {
    const groups = text.split(':');
    return groups.length === 8 && groups.every(isHexGroup);
  }
  const left = text.slice(0, gap);
  const right = text.slice(gap + 2);
  const groups = [...(left ? left.split(':') : []), ...(right ? right.split(':') : [])];
  // "::" alone (the unspecified address) is too common in code and text to be worth flagging
  return groups.length >= 1 && groups.length <= 7 && groups.every(isHexGroup);
}

function acceptIpv6(match: RegExpExecArray, text: string): Span | null {
  let candidate = match[0];
  // sentence punctuation after an address: "… from 2001:db8::1." or "2001:db8::1: refused"
  if (candidate.endsWith('.')) candidate = candidate.slice(0, -1);
  else if (candidate.endsWith(':') && !candidate.endsWith('::')) candidate = candidate.slice(0, -1);
  const end = match.index + candidate.length;
  if (end === match.index + match[0].length && isAlnumCode(text.charCodeAt(end))) return null;
  return isIpv6(candidate) ? { start: match.index, end } : null;
}

/** IPv6 addresses, compressed or not, including IPv4-mapped forms. */
export const ipv6Detector: Detector = {
  kind: 'ipv6',
  patterns: [IPV6],
  scan: (text, emit) => scanMatches(IPV6, text, (m) => acceptIpv6(m, text), emit),
};
