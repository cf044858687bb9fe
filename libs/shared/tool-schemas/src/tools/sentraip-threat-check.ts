import Joi from 'joi';
import { codePointString, patternString } from '../joi-helpers.js';
import { objectSchema } from '../json-schema.js';
import { HOSTNAME_PATTERN, IP_PATTERN, THREAT_TARGET_PATTERN } from '../patterns.js';
import {
  THREAT_TARGET_TYPES,
  threatVerdictJsonSchema,
  threatVerdictSchema,
  type ThreatTargetType,
  type ThreatVerdict,
} from '../threat-verdict.js';
import type { BuiltInToolDefinition } from './tool-definition.js';

/** Arguments of `sentraip_threat_check`. */
export interface ThreatCheckInput {
  target: string;
  type: ThreatTargetType;
}

/** `sentraip_threat_check` returns a {@link ThreatVerdict}. */
export type ThreatCheckOutput = ThreatVerdict;

const TARGET_MAX = 253;

/** `sentraip_threat_check`: SentraIP reputation of an IP address or a domain. */
export const sentraipThreatCheckTool: BuiltInToolDefinition<
  'sentraip_threat_check',
  ThreatCheckInput,
  ThreatCheckOutput
> = Object.freeze({
  name: 'sentraip_threat_check',
  title: 'SentraIP threat check',
  description:
    'Look up the threat reputation of an IP address or a domain in SentraIP threat intelligence. ' +
    'Returns a threat score from 0 (benign) to 10 (malicious), a risk level (low 0–3, medium 4–6, high 7–8, ' +
    'critical 9–10), threat categories, and when the target was first and last seen. Use it to judge whether an ' +
    'IP address or domain seen in logs, emails or traffic is dangerous. The verdict may come from a cache ' +
    '(`cached`, `stale`); when SentraIP is unavailable it is `degraded` with risk level `unknown`: report that ' +
    'instead of guessing.',
  inputSchema: objectSchema({
    type: 'object',
    properties: {
      target: {
        type: 'string',
        minLength: 1,
        maxLength: TARGET_MAX,
        pattern: THREAT_TARGET_PATTERN,
        description:
          'The IP address (IPv4 such as 203.0.113.7, or IPv6 such as 2001:db8::1 or ::ffff:203.0.113.7) or the ' +
          'domain name (such as example.com or münchen.de) to check. No scheme, port, path or trailing dot.',
      },
      type: {
        type: 'string',
        enum: THREAT_TARGET_TYPES,
        description: 'What the target is: "ip" for an IP address, "domain" for a domain name.',
      },
    },
    required: ['target', 'type'],
    additionalProperties: false,
    // root if/then/else, not allOf/oneOf: the Anthropic API rejects those at the top level
    if: { properties: { type: { const: 'ip' } }, required: ['type'] },
    then: { properties: { target: { type: 'string', pattern: IP_PATTERN } } },
    else: { properties: { target: { type: 'string', pattern: HOSTNAME_PATTERN } } },
  }),
  outputSchema: threatVerdictJsonSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  input: Joi.object<ThreatCheckInput>({
    target: codePointString(1, TARGET_MAX)
      .concat(patternString(THREAT_TARGET_PATTERN, 'an IP address or a domain name'))
      .when('type', {
        switch: [
          {
            is: 'ip',
            then: patternString(IP_PATTERN, 'an IPv4 or IPv6 address when type is "ip"'),
          },
          {
            is: 'domain',
            then: patternString(HOSTNAME_PATTERN, 'a domain name when type is "domain"'),
          },
        ],
      })
      .required(),
    type: Joi.string()
      .valid(...THREAT_TARGET_TYPES)
      .required(),
  }),
  output: threatVerdictSchema,
});
