import { BlockList, isIP } from 'node:net';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { canonicalIp, canonicalIpValue } from '../support/canonical-ip.js';
import { fieldValue, type ConditionSpec, type LeafSpec, type Scalar } from './rule-types.js';

/** A compiled condition. */
export type Predicate = (event: AuditEvent) => boolean;

/** A CIDR or address that cannot be used; `message` says why. */
export class CidrError extends Error {
  override readonly name = 'CidrError';
}

/** Parses `addr/prefix` (or a bare address) into a BlockList entry; throws {@link CidrError}. */
export function addCidr(list: BlockList, cidr: string): void {
  const [address = '', prefixText, ...rest] = cidr.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0)
    throw new CidrError(`"${cidr}" is not an IP address or CIDR`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max)
    throw new CidrError(`"${cidr}" has an invalid prefix length (0-${max})`);
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Compiles a condition tree into one closure per node, once per rules load: regexes are built,
 * `in` lists become Sets and CIDR lists a `BlockList`, so evaluating an event does no parsing.
 * A leaf on a missing field is false, except `neq` (a missing value differs from anything) and
 * `exists: false`. An `eq`/`neq`/`in` literal that is an IP address matches the address in any
 * text form (both sides compared canonical); `regex` sees the value as stored.
 */
export function compileCondition(spec: ConditionSpec): Predicate {
  if ('all' in spec) {
    const parts = spec.all.map(compileCondition);
    return (e) => parts.every((p) => p(e));
  }
  if ('any' in spec) {
    const parts = spec.any.map(compileCondition);
    return (e) => parts.some((p) => p(e));
  }
  if ('not' in spec) {
    const inner = compileCondition(spec.not);
    return (e) => !inner(e);
  }
  return compileLeaf(spec);
}

const isAddress = (v: Scalar): boolean => typeof v === 'string' && isIP(v) !== 0;
const literal = (v: Scalar): Scalar => (typeof v === 'string' ? canonicalIp(v) : v);

function compileLeaf(leaf: LeafSpec): Predicate {
  const get = (e: AuditEvent): unknown => fieldValue(e, leaf.field);
  const getAddress = (e: AuditEvent): unknown => canonicalIpValue(get(e));
  // Only a leaf with an address among its literals pays for canonicalising the event's value.
  const reader = (literals: readonly Scalar[]) => (literals.some(isAddress) ? getAddress : get);
  const num = (e: AuditEvent): number | undefined => {
    const v = get(e);
    return typeof v === 'number' ? v : undefined;
  };
  if (leaf.eq !== undefined) {
    const want = literal(leaf.eq);
    const read = reader([leaf.eq]);
    return (e) => read(e) === want;
  }
  if (leaf.neq !== undefined) {
    const want = literal(leaf.neq);
    const read = reader([leaf.neq]);
    return (e) => read(e) !== want;
  }
  if (leaf.gt !== undefined) {
    const bound = leaf.gt;
    return (e) => (num(e) ?? -Infinity) > bound;
  }
  if (leaf.gte !== undefined) {
    const bound = leaf.gte;
    return (e) => (num(e) ?? -Infinity) >= bound;
  }
  if (leaf.lt !== undefined) {
    const bound = leaf.lt;
    return (e) => (num(e) ?? Infinity) < bound;
  }
  if (leaf.lte !== undefined) {
    const bound = leaf.lte;
    return (e) => (num(e) ?? Infinity) <= bound;
  }
  if (leaf.in !== undefined) {
    const set = new Set<unknown>(leaf.in.map(literal));
    const read = reader(leaf.in);
    return (e) => set.has(read(e));
  }
  if (leaf.regex !== undefined) {
    const re = new RegExp(leaf.regex, 'u');
    return (e) => {
      const v = get(e);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (leaf.cidr !== undefined) {
    const list = new BlockList();
    for (const cidr of Array.isArray(leaf.cidr) ? leaf.cidr : [leaf.cidr]) addCidr(list, cidr);
    return (e) => {
      const v = get(e);
      if (typeof v !== 'string') return false;
      const family = isIP(v);
      return family !== 0 && list.check(v, family === 4 ? 'ipv4' : 'ipv6');
    };
  }
  const shouldExist = leaf.exists === true;
  return (e) => (get(e) !== undefined) === shouldExist;
}
