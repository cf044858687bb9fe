/**
 * Regular expressions shared by the JSON Schemas (`pattern`) and the joi schemas, so the two can
 * never disagree about a string's shape. Sources are written for the `u` flag, which is how Ajv
 * (and JSON Schema 2020-12) evaluate `pattern`; {@link unicodeRegExp} builds the joi side the
 * same way. Every exported source is anchored.
 */

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const H16 = '[0-9A-Fa-f]{1,4}';
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
// RFC 3986 §3.2.2 IPv6address: the nine compression forms; LS32 admits the IPv4-mapped tail
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `(?:${H16})?::(?:${H16}:){4}${LS32}`,
  `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
  `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
  `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
  `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
  `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
  `(?:(?:${H16}:){0,6}${H16})?::`,
].join('|');
// An IDN label in U-label or A-label form: letters/digits of any script, inner hyphens and marks,
// at most 63 code points (the DNS 63-octet limit applies to the A-label; this is the closest
// check that needs no punycode conversion).
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\p{M}\\-]{0,61}[\\p{L}\\p{N}\\p{M}])?';
const TLD = '(?:\\p{L}[\\p{L}\\p{M}]{1,62}|xn--[A-Za-z0-9\\-]{1,59})';
const HOSTNAME = `(?:${LABEL}\\.)+${TLD}`;

/** Dotted-quad IPv4 address, no leading zeros. */
export const IPV4_PATTERN = `^${IPV4}$`;
/** IPv6 address in any RFC 4291 text form, including IPv4-mapped (`::ffff:192.0.2.1`); no zone id. */
export const IPV6_PATTERN = `^(?:${IPV6})$`;
/** IPv4 or IPv6 address. */
export const IP_PATTERN = `^(?:${IPV4}|${IPV6})$`;
/** A fully qualified domain name (at least two labels, alphabetic or punycode TLD), IDN allowed. */
export const HOSTNAME_PATTERN = `^${HOSTNAME}$`;
/** Either an IP address or a domain name. */
export const THREAT_TARGET_PATTERN = `^(?:${IPV4}|${IPV6}|${HOSTNAME})$`;
/** A Tyk-style API identifier. */
export const API_ID_PATTERN = '^[A-Za-z0-9._:\\-]+$';
/** At least one non-whitespace character somewhere. */
export const NON_BLANK_PATTERN = '\\S';
/** ISO 8601 / RFC 3339 timestamp with seconds and an explicit offset (`Z` or `±hh:mm`). */
export const ISO_TIMESTAMP_PATTERN =
  '^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+\\-](?:[01][0-9]|2[0-3]):[0-5][0-9])$';
/** RFC 9562 UUID, any version, hyphenated, either case. */
export const UUID_PATTERN =
  '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
/** W3C trace-context trace id: 32 lower-case hex digits. */
export const TRACE_ID_PATTERN = '^[0-9a-f]{32}$';
/** Low-cardinality reason code (`snake_case`, safe as a metric label). */
export const REASON_CODE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
/** HTTP status code as an object key (`"200"`). */
export const STATUS_CODE_KEY_PATTERN = '^[1-5][0-9]{2}$';

/** Compiles a pattern source exactly as JSON Schema validators do (`u` flag). */
export function unicodeRegExp(source: string): RegExp {
  return new RegExp(source, 'u');
}

/** Length in Unicode code points, the unit of JSON Schema `minLength`/`maxLength`. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** Whether `value` is an IPv4 or IPv6 address (IPv4-mapped IPv6 included). */
export function isIpAddress(value: string): boolean {
  return unicodeRegExp(IP_PATTERN).test(value);
}

/** Whether `value` is a domain name as the threat check accepts it. */
export function isHostname(value: string): boolean {
  return codePointLength(value) <= 253 && unicodeRegExp(HOSTNAME_PATTERN).test(value);
}
