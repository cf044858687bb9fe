import Joi from 'joi';
import {
  ISO_TIMESTAMP_PATTERN,
  codePointLength,
  riskLevelForScore,
  threatVerdictSchema,
  type ThreatVerdict,
} from '@mcpgw/tool-schemas';
import { SentraipError } from '../errors.js';
import type { ThreatTarget } from '../targets/parse-target.js';

/** A verdict without the flags that describe how it was served. */
export type VerdictData = Omit<ThreatVerdict, 'cached' | 'stale' | 'degraded'>;

/** How a verdict was served. */
export interface VerdictFlags {
  cached: boolean;
  stale: boolean;
  degraded: boolean;
}

// Only the score is essential; every other field is cleaned up (or dropped) field by field below.
const upstreamSchema = Joi.object({
  threat_score: Joi.number().min(0).max(10).required(),
  categories: Joi.array().max(1000),
  sources: Joi.array().max(1000),
}).unknown(true);

const ISO = new RegExp(ISO_TIMESTAMP_PATTERN, 'u');
const TAG_MAX = 64;
const LIST_MAX = 64;

function tags(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  const out = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const tag = value.trim();
    if (tag !== '' && codePointLength(tag) <= TAG_MAX) out.add(tag);
    if (out.size >= LIST_MAX) break;
  }
  return [...out];
}

const timestamp = (value: unknown): string | undefined =>
  typeof value === 'string' && ISO.test(value) ? value : undefined;

function asn(value: unknown): string | undefined {
  const text =
    typeof value === 'number'
      ? `AS${value}`
      : typeof value === 'string'
        ? value.trim().toUpperCase()
        : '';
  const normalised = /^\d{1,10}$/.test(text) ? `AS${text}` : text;
  return /^AS\d{1,10}$/.test(normalised) ? normalised : undefined;
}

/**
 * Normalises a SentraIP answer to the verdict contract: the broker's canonical target, a risk
 * level derived from the score with `riskLevelForScore` (never SentraIP's own band), tag lists
 * trimmed and deduplicated, and optional fields dropped when malformed rather than passed on.
 * A body without a usable score is an `invalid_response`.
 */
export function normaliseUpstream(body: unknown, target: ThreatTarget): VerdictData {
  const { value, error } = upstreamSchema.validate(body, { convert: false });
  if (error) throw new SentraipError('invalid_response', 'SentraIP verdict is malformed');
  const raw = value as Record<string, unknown>;
  const score = Number(raw['threat_score']);
  const country = typeof raw['country'] === 'string' ? raw['country'].toUpperCase() : undefined;
  const data: VerdictData = {
    target: target.target,
    type: target.type,
    threat_score: score,
    risk_level: riskLevelForScore(score),
    categories: tags(raw['categories']),
    last_updated: timestamp(raw['last_updated']) ?? null,
    sources: tags(raw['sources']),
  };
  const firstSeen = timestamp(raw['first_seen']);
  const lastSeen = timestamp(raw['last_seen']);
  const asNumber = asn(raw['asn']);
  if (firstSeen) data.first_seen = firstSeen;
  if (lastSeen) data.last_seen = lastSeen;
  if (country && /^[A-Z]{2}$/.test(country)) data.country = country;
  if (asNumber) data.asn = asNumber;
  if (typeof raw['is_tor'] === 'boolean') data.is_tor = raw['is_tor'];
  if (typeof raw['is_proxy'] === 'boolean') data.is_proxy = raw['is_proxy'];
  return data;
}

/** The verdict as served: data plus flags. */
export function withFlags(data: VerdictData, flags: VerdictFlags): ThreatVerdict {
  return { ...data, ...flags };
}

/** The answer when SentraIP cannot be asked and nothing is cached: no score, `unknown`, degraded. */
export function unknownVerdict(target: ThreatTarget): ThreatVerdict {
  return {
    target: target.target,
    type: target.type,
    threat_score: null,
    risk_level: 'unknown',
    categories: [],
    last_updated: null,
    sources: [],
    cached: false,
    stale: false,
    degraded: true,
  };
}

/** Whether `data` (e.g. read back from the cache) satisfies the verdict contract. */
export function isValidVerdictData(data: unknown): data is VerdictData {
  if (typeof data !== 'object' || data === null) return false;
  const { error } = threatVerdictSchema.validate({
    ...data,
    cached: false,
    stale: false,
    degraded: false,
  });
  return error === undefined;
}
