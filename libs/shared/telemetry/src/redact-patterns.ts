/** What every redacted value becomes. */
export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are always replaced by {@link REDACTED}, at any depth. A key matches when,
 * lower-cased with `-`, `_` and `.` removed, it equals or ends with one of these (so
 * `serviceToken`, `webhook_secret` and `X-Api-Key` match, `input_tokens` does not).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'client_secret',
  'password',
  'api_key',
  'apikey',
  'x-api-key',
  'mcp-session-id',
  'session_id',
  'sessionId',
  'arguments',
]);

/** A value pattern masked inside every string; `pattern` is applied globally. */
export interface SecretPattern {
  readonly name: string;
  readonly pattern: RegExp;
  /** `String.prototype.replace` replacement (may use `$1`). */
  readonly replacement: string;
  /**
   * A cheap test every match passes (a literal the pattern needs). When every pattern has one,
   * strings failing all hints skip the patterns: most logged strings (ids, names) contain none.
   */
  readonly hint?: RegExp;
}

/*
 * Every pattern is linear-time: no nested quantifiers, and each one starts only at a literal
 * prefix or after a negative lookbehind, so a run of token characters is tried from one start
 * position only (no quadratic rescans on adversarial input).
 */
export const DEFAULT_SECRET_PATTERNS: readonly SecretPattern[] = Object.freeze([
  {
    // RFC 7235 schemes are case-insensitive; the lookahead stops "Bearer Bearer <x>" from
    // consuming the second scheme word as the token and leaving <x> in clear.
    name: 'authorization-scheme',
    hint: /bearer|basic/i,
    pattern: /\b(Bearer|Basic)\s+(?!(?:Bearer|Basic)\b)[^\s"'<>,;]{8,}/gi,
    replacement: `$1 ${REDACTED}`,
  },
  {
    name: 'jwt',
    hint: /eyJ/,
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
    replacement: REDACTED,
  },
  {
    name: 'mcpgw-api-key',
    hint: /mcpgw_/,
    pattern: /(?<![A-Za-z0-9_-])mcpgw_[A-Za-z0-9_-]+/g,
    replacement: `mcpgw_${REDACTED}`,
  },
  {
    name: 'anthropic-api-key',
    hint: /sk-ant-/,
    pattern: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]+/g,
    replacement: `sk-ant-${REDACTED}`,
  },
  {
    // scheme://user:password@ (user may be empty, as in redis://:password@host).
    name: 'url-userinfo',
    hint: /:\/\//,
    pattern: /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@:]*:[^\s/?#@]+@/g,
    replacement: `$1${REDACTED}@`,
  },
]);

/** Lower-cases and strips separators so `X-Api-Key`, `x_api_key` and `xApiKey` compare equal. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.]/g, '');
}

/** A key predicate that also says how many answers it remembers. */
export type KeyMatcher = ((key: string) => boolean) & { remembered(): number };

/** Builds the key predicate for a list of sensitive keys (see {@link DEFAULT_REDACT_KEYS}). */
export function createKeyMatcher(keys: readonly string[]): KeyMatcher {
  const suffixes = [...new Set(keys.map(normalizeKey).filter((k) => k.length > 0))];
  // Log meta keys repeat from line to line: remember the answers (bounded, so hostile keys cannot grow it).
  const known = new Map<string, boolean>();
  const matches = (key: string): boolean => {
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const normalized = normalizeKey(key);
    const sensitive = suffixes.some((suffix) => normalized.endsWith(suffix));
    // Long keys are not remembered: the memo must not hold megabytes of hostile keys.
    if (key.length > 64) return sensitive;
    if (known.size >= 4096) known.clear();
    known.set(key, sensitive);
    return sensitive;
  };
  return Object.assign(matches, { remembered: () => known.size });
}

/** Returns a copy of the patterns, each forced global so `replace` masks every occurrence. */
export function compilePatterns(patterns: readonly SecretPattern[]): readonly SecretPattern[] {
  return patterns.map((p) => ({
    name: p.name,
    replacement: p.replacement,
    ...(p.hint ? { hint: new RegExp(p.hint.source, p.hint.flags.replace(/[gy]/g, '')) } : {}),
    pattern: p.pattern.global ? p.pattern : new RegExp(p.pattern.source, `${p.pattern.flags}g`),
  }));
}

/** One regex any match of any of `patterns` passes, or undefined when some pattern has no hint. */
export function combinedHint(patterns: readonly SecretPattern[]): RegExp | undefined {
  // Joined with `|`, a hint keeps its meaning only without flags beyond `i` and without
  // backreferences (their numbers would shift); otherwise no pre-check at all.
  const simple = (hint: RegExp) => /^[gyi]*$/.test(hint.flags) && !/\\[1-9]|\\k</.test(hint.source);
  if (patterns.some((p) => !p.hint || !simple(p.hint))) return undefined;
  const flags = patterns.some((p) => p.hint?.ignoreCase) ? 'i' : '';
  // Case-insensitive as soon as one hint is: a superset of matches is still a correct pre-check.
  return new RegExp(patterns.map((p) => `(?:${p.hint?.source ?? ''})`).join('|'), flags);
}
