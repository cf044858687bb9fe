import { DEFAULT_SENSITIVE_KEYS, redact, redactDeep, type SensitiveKind } from '@mcpgw/sensitive-data';
import type { SanitizeConfig } from '../gateway-config/schema.js';

const SECRET_KINDS: readonly SensitiveKind[] = [
  'private_key', 'jwt', 'aws_secret_access_key', 'aws_access_key_id', 'github_token', 'slack_webhook',
  'slack_token', 'anthropic_key', 'bearer_token', 'password',
];
const PII_KINDS: readonly SensitiveKind[] = ['credit_card', 'iban', 'email', 'ipv6', 'ipv4', 'phone'];
/** This gateway's own API keys (`mcpgw_<id>_<secret>`), which the shared engine does not know. */
const GATEWAY_API_KEY = /(?<![A-Za-z0-9_-])mcpgw_[a-f0-9]{16}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const GATEWAY_API_KEY_REPLACEMENT = '[REDACTED:gateway_api_key]';

/**
 * Response sanitization with the shared detection engine (linear time): secrets always by default,
 * PII when the policy (globally or for the tool) says so. Applied to everything a result carries —
 * `content` (text and embedded resources), `structuredContent`, `_meta` — and to relayed error
 * messages and data; values under secret-named keys (`password`, `api_key`, …) are replaced whole.
 * Only string values change, so the result keeps its shape.
 */
export class Sanitizer {
  constructor(private readonly config: SanitizeConfig) {}

  kindsFor(tool: string | undefined): SensitiveKind[] {
    const override = tool ? this.config.perTool[tool] : undefined;
    const secrets = override?.secrets ?? this.config.secrets;
    const pii = override?.pii ?? this.config.pii;
    return [...(secrets ? SECRET_KINDS : []), ...(pii ? PII_KINDS : [])];
  }

  /** Redacts a tools/call (or prompts/get, resources/read) result; returns how many findings. */
  result(result: Record<string, unknown>, tool: string | undefined): { value: Record<string, unknown>; redactions: number } {
    return this.value(result, tool);
  }

  /** Redacts any JSON value (a result, an error's `data`). */
  value<T>(input: T, tool: string | undefined): { value: T; redactions: number } {
    const kinds = this.kindsFor(tool);
    if (kinds.length === 0) return { value: input, redactions: 0 };
    const secrets = kinds.includes('password');
    const { value, counts } = redactDeep(input, { kinds, sensitiveKeys: secrets ? DEFAULT_SENSITIVE_KEYS : [] });
    let redactions = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
    if (!secrets) return { value, redactions };
    const keys = { count: 0 };
    const out = replaceGatewayKeys(value, keys) as T;
    redactions += keys.count;
    return { value: out, redactions };
  }

  /** Masks secrets whatever the policy says (for copies the gateway keeps, such as audited arguments). */
  secrets<T>(input: T): T {
    const { value } = redactDeep(input, { kinds: [...SECRET_KINDS], sensitiveKeys: DEFAULT_SENSITIVE_KEYS });
    return replaceGatewayKeys(value, { count: 0 }) as T;
  }

  message(text: string, tool: string | undefined): string {
    const kinds = this.kindsFor(tool);
    if (kinds.length === 0) return text;
    const redacted = redact(text, { kinds }).text;
    return kinds.includes('password') ? redacted.replace(GATEWAY_API_KEY, GATEWAY_API_KEY_REPLACEMENT) : redacted;
  }
}

/** Walks redactDeep's output (plain JSON, depth already bounded by it). */
function replaceGatewayKeys(value: unknown, found: { count: number }): unknown {
  if (typeof value === 'string') {
    if (!value.includes('mcpgw_')) return value;
    return value.replace(GATEWAY_API_KEY, () => {
      found.count += 1;
      return GATEWAY_API_KEY_REPLACEMENT;
    });
  }
  if (Array.isArray(value)) return value.map((item) => replaceGatewayKeys(item, found));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceGatewayKeys(item, found)]));
  }
  return value;
}
