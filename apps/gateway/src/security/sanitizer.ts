import { DEFAULT_SENSITIVE_KEYS, redact, redactDeep, type RedactDeepOptions, type SensitiveKind } from '@mcpgw/sensitive-data';
import type { SanitizeConfig } from '../gateway-config/schema.js';

const SECRET_KINDS: readonly SensitiveKind[] = Object.freeze<SensitiveKind[]>([
  'private_key', 'jwt', 'aws_secret_access_key', 'aws_access_key_id', 'github_token', 'slack_webhook',
  'slack_token', 'anthropic_key', 'bearer_token', 'password',
]);
const PII_KINDS: readonly SensitiveKind[] = Object.freeze<SensitiveKind[]>(['credit_card', 'iban', 'email', 'ipv6', 'ipv4', 'phone']);
/** This gateway's own API keys (`mcpgw_<id>_<secret>`), which the shared engine does not know. */
const GATEWAY_API_KEY = /(?<![A-Za-z0-9_-])mcpgw_[a-f0-9]{16}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const GATEWAY_API_KEY_REPLACEMENT = '[REDACTED:gateway_api_key]';
const NO_KEYS: readonly string[] = Object.freeze([]);

/** What one policy (the global one, or a tool's override) redacts. */
interface Policy {
  readonly kinds: readonly SensitiveKind[];
  /** Secrets on: secret-named keys and gateway API keys are redacted too. */
  readonly secrets: boolean;
  /** Built once: kinds and key lists frozen, so the engine checks them once too. */
  readonly options: RedactDeepOptions;
}

/**
 * Masks this gateway's API keys inside `redactDeep`'s walk (as its `extraRedaction`) and counts
 * them. One per Sanitizer, reset by each call: the walk is synchronous, so calls cannot overlap.
 */
class GatewayKeyMask {
  found = 0;
  readonly apply = (text: string): string => {
    // the same string back when there is no key, so that unchanged containers stay shared
    if (!text.includes('mcpgw_')) return text;
    return text.replace(GATEWAY_API_KEY, () => {
      this.found += 1;
      return GATEWAY_API_KEY_REPLACEMENT;
    });
  };
}

/**
 * Response sanitization with the shared detection engine (linear time): secrets always by default,
 * PII when the policy (globally or for the tool) says so. Applied to everything a result carries —
 * `content` (text and embedded resources), `structuredContent`, `_meta` — and to relayed error
 * messages and data; values under secret-named keys (`password`, `api_key`, …) are replaced whole.
 * Only string values change, so the result keeps its shape; a result with nothing to redact is
 * returned as is (copy-on-write, see `redactDeep`).
 *
 * The policies are worked out once, here: the config is frozen, and `sanitize` changes need a
 * restart (the config reloader does not touch the Sanitizer).
 */
export class Sanitizer {
  private readonly mask = new GatewayKeyMask();
  private readonly global: Policy;
  private readonly secretsOnly: Policy;
  /** Only the tools the config names (never keyed by request data, so bounded by the config). */
  private readonly perTool = new Map<string, Policy>();

  constructor(config: SanitizeConfig) {
    this.global = this.policyOf(config.secrets, config.pii);
    this.secretsOnly = this.policyOf(true, false);
    for (const [tool, override] of Object.entries(config.perTool)) {
      this.perTool.set(tool, this.policyOf(override.secrets ?? config.secrets, override.pii ?? config.pii));
    }
  }

  kindsFor(tool: string | undefined): readonly SensitiveKind[] {
    return this.policyFor(tool).kinds;
  }

  /**
   * The kinds the tool's policy would redact in `text`, but for JWTs: what an opaque token the
   * gateway must pass on unchanged (an upstream's `requestState`) may not carry. A signed token is
   * the usual way to seal such state; plain secrets and personal data are not.
   */
  findingsInToken(text: string, tool: string | undefined): string[] {
    const { kinds } = this.policyFor(tool);
    if (kinds.length === 0) return [];
    const { counts } = redact(text, { kinds });
    return Object.entries(counts)
      .filter(([kind, count]) => kind !== 'jwt' && (count ?? 0) > 0)
      .map(([kind]) => kind);
  }

  /** Redacts a tools/call (or prompts/get, resources/read) result; returns how many findings. */
  result(result: Record<string, unknown>, tool: string | undefined): { value: Record<string, unknown>; redactions: number } {
    return this.value(result, tool);
  }

  /** Redacts any JSON value (a result, an error's `data`). */
  value<T>(input: T, tool: string | undefined): { value: T; redactions: number } {
    const policy = this.policyFor(tool);
    if (policy.kinds.length === 0) return { value: input, redactions: 0 };
    return this.redact(input, policy);
  }

  /** Masks secrets whatever the policy says (for copies the gateway keeps, such as audited arguments). */
  secrets<T>(input: T): T {
    return this.redact(input, this.secretsOnly).value;
  }

  message(text: string, tool: string | undefined): string {
    const { kinds, secrets } = this.policyFor(tool);
    if (kinds.length === 0) return text;
    const redacted = redact(text, { kinds }).text;
    return secrets ? redacted.replace(GATEWAY_API_KEY, GATEWAY_API_KEY_REPLACEMENT) : redacted;
  }

  private policyFor(tool: string | undefined): Policy {
    return (tool ? this.perTool.get(tool) : undefined) ?? this.global;
  }

  private policyOf(secrets: boolean, pii: boolean): Policy {
    const kinds = Object.freeze([...(secrets ? SECRET_KINDS : []), ...(pii ? PII_KINDS : [])]);
    const options: RedactDeepOptions = secrets
      ? { kinds, sensitiveKeys: DEFAULT_SENSITIVE_KEYS, extraRedaction: this.mask.apply }
      : { kinds, sensitiveKeys: NO_KEYS };
    return { kinds, secrets, options };
  }

  /** One walk: the engine's kinds, secret-named keys and this gateway's own API keys. */
  private redact<T>(input: T, policy: Policy): { value: T; redactions: number } {
    this.mask.found = 0;
    const { value, counts } = redactDeep(input, policy.options);
    let redactions = this.mask.found;
    for (const n of Object.values(counts)) redactions += n ?? 0;
    return { value, redactions };
  }
}
