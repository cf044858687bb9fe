import Joi from 'joi';
import { codePointString, patternString } from './joi-helpers.js';
import { objectSchema, type JsonObjectSchema } from './json-schema.js';
import { ISO_TIMESTAMP_PATTERN, THREAT_TARGET_PATTERN } from './patterns.js';
import { RISK_LEVELS, type RiskLevel } from './risk-level.js';

/** What a threat check looks up. */
export const THREAT_TARGET_TYPES = ['ip', 'domain'] as const;
/** `ip` or `domain`. */
export type ThreatTargetType = (typeof THREAT_TARGET_TYPES)[number];

/**
 * The broker's answer for one target, also the output of `sentraip_threat_check`. When SentraIP
 * cannot be reached and nothing is cached the verdict is `degraded` with `threat_score: null`
 * and `risk_level: 'unknown'`; a cached answer past its freshness is served with `stale: true`.
 * Producers derive `risk_level` with `riskLevelForScore`.
 */
export interface ThreatVerdict {
  target: string;
  type: ThreatTargetType;
  threat_score: number | null;
  risk_level: RiskLevel;
  categories: string[];
  first_seen?: string;
  last_seen?: string;
  last_updated: string | null;
  country?: string;
  asn?: string;
  is_tor?: boolean;
  is_proxy?: boolean;
  sources: string[];
  cached: boolean;
  stale: boolean;
  degraded: boolean;
}

const COUNTRY_PATTERN = '^[A-Z]{2}$';
const ASN_PATTERN = '^AS[0-9]{1,10}$';
const TAG_MAX = 64;
const LIST_MAX = 64;

const timestamp = (description: string) =>
  ({ type: 'string', pattern: ISO_TIMESTAMP_PATTERN, description }) as const;

/** JSON Schema of {@link ThreatVerdict} (the `outputSchema` of `sentraip_threat_check`). */
export const threatVerdictJsonSchema: JsonObjectSchema = objectSchema({
  type: 'object',
  description: 'Threat-intelligence verdict for one IP address or domain.',
  properties: {
    target: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      pattern: THREAT_TARGET_PATTERN,
      description: 'The IP address or domain that was checked.',
    },
    type: {
      type: 'string',
      enum: THREAT_TARGET_TYPES,
      description: 'Whether the target is an IP address or a domain.',
    },
    threat_score: {
      description:
        'Threat score from 0 (benign) to 10 (certainly malicious); null when no score is available.',
      anyOf: [{ type: 'number', minimum: 0, maximum: 10 }, { type: 'null' }],
    },
    risk_level: {
      type: 'string',
      enum: RISK_LEVELS,
      description:
        'Risk band of the score: low 0–3, medium 4–6, high 7–8, critical 9–10, unknown without a score.',
    },
    categories: {
      type: 'array',
      maxItems: LIST_MAX,
      items: { type: 'string', minLength: 1, maxLength: TAG_MAX },
      description: 'Threat categories reported for the target, e.g. "botnet", "phishing".',
    },
    first_seen: timestamp('When the target was first seen in threat feeds (ISO 8601).'),
    last_seen: timestamp('When the target was last seen in threat feeds (ISO 8601).'),
    last_updated: {
      description: 'When SentraIP last updated this verdict (ISO 8601); null when unknown.',
      anyOf: [{ type: 'string', pattern: ISO_TIMESTAMP_PATTERN }, { type: 'null' }],
    },
    country: {
      type: 'string',
      pattern: COUNTRY_PATTERN,
      description: 'ISO 3166-1 alpha-2 country code of the target.',
    },
    asn: {
      type: 'string',
      pattern: ASN_PATTERN,
      description: 'Autonomous system number announcing the target, e.g. "AS13335".',
    },
    is_tor: { type: 'boolean', description: 'Whether the IP address is a Tor exit node.' },
    is_proxy: {
      type: 'boolean',
      description: 'Whether the IP address is a known open proxy or VPN endpoint.',
    },
    sources: {
      type: 'array',
      maxItems: LIST_MAX,
      items: { type: 'string', minLength: 1, maxLength: TAG_MAX },
      description: 'Threat feeds that contributed to the verdict.',
    },
    cached: { type: 'boolean', description: 'Whether the verdict was served from the cache.' },
    stale: {
      type: 'boolean',
      description: 'Whether the cached verdict is older than its freshness window.',
    },
    degraded: {
      type: 'boolean',
      description: 'Whether SentraIP was unreachable, so the verdict is partial or unknown.',
    },
  },
  required: [
    'target',
    'type',
    'threat_score',
    'risk_level',
    'categories',
    'last_updated',
    'sources',
    'cached',
    'stale',
    'degraded',
  ],
  additionalProperties: false,
});

const isoTimestamp = () =>
  patternString(ISO_TIMESTAMP_PATTERN, 'an ISO 8601 timestamp with offset');
const tags = () => Joi.array().items(codePointString(1, TAG_MAX)).max(LIST_MAX);

/** joi schema of {@link ThreatVerdict}, to validate a verdict received from the broker. */
export const threatVerdictSchema: Joi.ObjectSchema<ThreatVerdict> = Joi.object<ThreatVerdict>({
  target: codePointString(1, 253)
    .concat(patternString(THREAT_TARGET_PATTERN, 'an IP address or a domain name'))
    .required(),
  type: Joi.string()
    .valid(...THREAT_TARGET_TYPES)
    .required(),
  threat_score: Joi.number().min(0).max(10).allow(null).required(),
  risk_level: Joi.string()
    .valid(...RISK_LEVELS)
    .required(),
  categories: tags().required(),
  first_seen: isoTimestamp(),
  last_seen: isoTimestamp(),
  last_updated: isoTimestamp().allow(null).required(),
  country: patternString(COUNTRY_PATTERN, 'an ISO 3166-1 alpha-2 country code'),
  asn: patternString(ASN_PATTERN, 'an AS number such as AS13335'),
  is_tor: Joi.boolean(),
  is_proxy: Joi.boolean(),
  sources: tags().required(),
  cached: Joi.boolean().required(),
  stale: Joi.boolean().required(),
  degraded: Joi.boolean().required(),
});
