import { redact, redactDeep, type SensitiveKind } from '@mcpgw/sensitive-data';
import type { SanitizeConfig } from '../gateway-config/schema.js';

const SECRET_KINDS: readonly SensitiveKind[] = [
  'private_key', 'jwt', 'aws_secret_access_key', 'aws_access_key_id', 'github_token', 'slack_webhook',
  'slack_token', 'anthropic_key', 'bearer_token', 'password',
];
const PII_KINDS: readonly SensitiveKind[] = ['credit_card', 'iban', 'email', 'ipv6', 'ipv4', 'phone'];

/**
 * Response sanitization with the shared detection engine (linear time): secrets always by default,
 * PII when the policy (globally or for the tool) says so. Applied to `content` (text and embedded
 * resources), `structuredContent`, and relayed error messages; the result keeps its shape.
 */
export class Sanitizer {
  constructor(private readonly config: SanitizeConfig) {}

  kindsFor(tool: string | undefined): SensitiveKind[] {
    const override = tool ? this.config.perTool[tool] : undefined;
    const secrets = override?.secrets ?? this.config.secrets;
    const pii = override?.pii ?? this.config.pii;
    return [...(secrets ? SECRET_KINDS : []), ...(pii ? PII_KINDS : [])];
  }

  /** Redacts a tools/call (or prompts/get, resources/read) result; returns how many findings per kind. */
  result(result: Record<string, unknown>, tool: string | undefined): { value: Record<string, unknown>; redactions: number } {
    const kinds = this.kindsFor(tool);
    if (kinds.length === 0) return { value: result, redactions: 0 };
    const { _meta, ...rest } = result;
    const { value, counts } = redactDeep(rest, { kinds, sensitiveKeys: [] });
    const redactions = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
    return { value: _meta === undefined ? value : { ...value, _meta }, redactions };
  }

  message(text: string, tool: string | undefined): string {
    const kinds = this.kindsFor(tool);
    return kinds.length ? redact(text, { kinds }).text : text;
  }
}
