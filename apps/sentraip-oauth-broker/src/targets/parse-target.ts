import { THREAT_TARGET_TYPES, type ThreatTargetType } from '@mcpgw/tool-schemas';
import { InvalidTargetError } from '../errors.js';
import { parseDomainName } from './domain-name.js';
import { parseIpAddress } from './ip-address.js';

/** A validated, canonical lookup target: the cache key and the verdict's `target`. */
export interface ThreatTarget {
  readonly type: ThreatTargetType;
  readonly target: string;
}

/** Bound on what is even looked at, so a huge path or body field costs nothing to refuse. */
const MAX_RAW_LENGTH = 1024;

/**
 * Validates `type` and `target` as received (path parameters or a batch item) and returns the
 * canonical target. Throws {@link InvalidTargetError} naming the field (prefixed with `field`
 * for batch items) and the problem; nothing invalid ever reaches SentraIP.
 */
export function parseTarget(type: unknown, target: unknown, field = ''): ThreatTarget {
  const name = (key: string) => (field ? `${field}.${key}` : key);
  if (typeof type !== 'string' || !(THREAT_TARGET_TYPES as readonly string[]).includes(type)) {
    throw new InvalidTargetError(name('type'), 'type must be "ip" or "domain"');
  }
  if (target === undefined || target === null || target === '') {
    throw new InvalidTargetError(name('target'), 'target is required');
  }
  if (typeof target !== 'string')
    throw new InvalidTargetError(name('target'), 'target must be a string');
  if (target.length > MAX_RAW_LENGTH) {
    throw new InvalidTargetError(name('target'), 'target is longer than 253 characters');
  }
  if (type === 'ip') {
    const ip = parseIpAddress(target);
    if (!ip.ok) throw new InvalidTargetError(name('target'), ip.problem);
    return { type, target: ip.address };
  }
  const domain = parseDomainName(target);
  if (!domain.ok) throw new InvalidTargetError(name('target'), domain.problem);
  return { type: 'domain', target: domain.domain };
}
