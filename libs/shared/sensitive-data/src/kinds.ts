/**
 * Every kind of sensitive data the engine knows, in priority order: when findings of two kinds
 * overlap they are merged into one span reported as the kind listed first here (the more
 * specific shape wins, e.g. a JWT inside a `Bearer` header is a `jwt`).
 */
export const SENSITIVE_KINDS = [
  'private_key',
  'jwt',
  'aws_secret_access_key',
  'aws_access_key_id',
  'github_token',
  'slack_webhook',
  'slack_token',
  'anthropic_key',
  'bearer_token',
  'password',
  'credit_card',
  'iban',
  'email',
  'ipv6',
  'ipv4',
  'phone',
] as const;

/** One kind of secret or personal data. */
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

const PRIORITY: ReadonlyMap<string, number> = new Map(SENSITIVE_KINDS.map((kind, i) => [kind, i]));

/** True when `value` names a {@link SensitiveKind}. */
export function isSensitiveKind(value: unknown): value is SensitiveKind {
  return typeof value === 'string' && PRIORITY.has(value);
}

/** Lower is more specific; used to pick the kind of a merged span. */
export function kindPriority(kind: SensitiveKind): number {
  return PRIORITY.get(kind) ?? SENSITIVE_KINDS.length;
}
