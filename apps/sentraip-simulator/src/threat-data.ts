import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import {
  threatDataFileSchema,
  type DataRule,
  type ThreatDataFile,
  type VerdictFields,
} from './threat-data-schema.js';

/** What the simulated SentraIP API answers for one target. */
export interface SimVerdict extends VerdictFields {
  target: string;
  type: 'ip' | 'domain';
  risk_level: 'low' | 'medium' | 'high' | 'critical';
}

/** Raised when the data file is missing, not JSON, or not of the expected shape. */
export class ThreatDataError extends Error {
  readonly code = 'SIM_DATA_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThreatDataError';
  }
}

interface IpRule {
  list: BlockList;
  fields: VerdictFields;
}

interface DomainRule {
  match: string;
  subdomains: boolean;
  fields: VerdictFields;
}

const MAPPED_V4 = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** The address in canonical text, IPv4-mapped IPv6 as dotted IPv4; undefined if not an IP. */
export function canonicalIp(raw: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const version = isIP(raw);
  if (version === 4) return { address: raw, family: 'ipv4' };
  if (version !== 6 || raw.includes('%')) return undefined;
  const address = new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  const mapped = MAPPED_V4.exec(address);
  if (!mapped) return { address, family: 'ipv6' };
  const hi = parseInt(mapped[1] ?? '0', 16);
  const lo = parseInt(mapped[2] ?? '0', 16);
  return { address: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'), family: 'ipv4' };
}

/** Risk bands of the SentraIP API (lower bound inclusive): 0–3 low, 4–6 medium, 7–8 high, 9–10 critical. */
export function simRiskLevel(score: number): SimVerdict['risk_level'] {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/** The deterministic verdicts of the data file; the first matching rule wins. */
export class ThreatData {
  private readonly ipRules: IpRule[];
  private readonly domainRules: DomainRule[];
  private readonly fallback: VerdictFields;

  constructor(file: ThreatDataFile) {
    const { value, error } = threatDataFileSchema.validate(file);
    if (error) throw new ThreatDataError(`threat data: ${error.message}`);
    const profile = (name: string): VerdictFields => {
      const found = value.profiles[name];
      if (!found) throw new ThreatDataError(`threat data: unknown profile "${name}"`);
      return found;
    };
    const merge = ({
      match: _m,
      profile: name,
      subdomains: _s,
      ...own
    }: DataRule): VerdictFields => ({
      ...profile(name),
      ...own,
    });
    this.ipRules = value.ips.map((rule) => ({
      list: blockListFor(rule.match),
      fields: merge(rule),
    }));
    this.domainRules = value.domains.map((rule) => ({
      match: rule.match,
      subdomains: rule.subdomains === true,
      fields: merge(rule),
    }));
    this.fallback = profile(value.default);
  }

  /** Reads and validates a data file. */
  static load(path: string): ThreatData {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new ThreatDataError(`threat data: cannot read ${path}`, { cause: err });
    }
    return new ThreatData(parsed as ThreatDataFile);
  }

  /** Verdict for an IP address (any text form); undefined when `raw` is not an IP address. */
  ip(raw: string): SimVerdict | undefined {
    const ip = canonicalIp(raw);
    if (!ip) return undefined;
    const rule = this.ipRules.find((r) => r.list.check(ip.address, ip.family));
    return verdict(ip.address, 'ip', rule?.fields ?? this.fallback);
  }

  /** Verdict for a domain in A-label form (lower-cased here). */
  domain(raw: string): SimVerdict {
    const name = raw.toLowerCase();
    const rule = this.domainRules.find(
      (r) => name === r.match || (r.subdomains && name.endsWith(`.${r.match}`)),
    );
    return verdict(name, 'domain', rule?.fields ?? this.fallback);
  }
}

function verdict(target: string, type: 'ip' | 'domain', fields: VerdictFields): SimVerdict {
  return {
    target,
    type,
    ...fields,
    categories: [...fields.categories],
    sources: [...fields.sources],
    risk_level: simRiskLevel(fields.threat_score),
  };
}

function blockListFor(match: string): BlockList {
  const list = new BlockList();
  const [address = '', prefix] = match.split('/');
  const ip = canonicalIp(address);
  if (!ip) throw new ThreatDataError(`threat data: "${match}" is not an IP address or CIDR range`);
  if (prefix === undefined) {
    list.addAddress(ip.address, ip.family);
    return list;
  }
  const bits = Number(prefix);
  const max = ip.family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || bits > max) {
    throw new ThreatDataError(`threat data: "${match}" has an invalid prefix length`);
  }
  list.addSubnet(ip.address, bits, ip.family);
  return list;
}
