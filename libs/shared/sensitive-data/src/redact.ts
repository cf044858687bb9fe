import { detectResolved, resolveKinds, type DetectOptions } from './detect.js';
import type { SensitiveKind } from './kinds.js';

/** How many findings of each kind were replaced (kinds with none are absent). */
export type RedactionCounts = Partial<Record<SensitiveKind, number>>;

/** Options of {@link redact}. */
export interface RedactOptions extends DetectOptions {
  /** The text put in place of a finding; default {@link defaultReplacement} (`[REDACTED:<kind>]`). */
  readonly replacement?: (kind: SensitiveKind) => string;
}

/** Result of {@link redact}. */
export interface RedactResult {
  readonly text: string;
  readonly counts: RedactionCounts;
}

/**
 * The default replacement, `[REDACTED:<kind>]`. It is built from characters that no detector
 * can start or extend a match with, so redacting twice gives the same text (idempotence).
 */
export function defaultReplacement(kind: SensitiveKind): string {
  return `[REDACTED:${kind}]`;
}

/**
 * Replaces every finding of `detect` in `text` and counts them per kind. Linear in the
 * length of `text`.
 */
export function redact(text: string, options: RedactOptions = {}): RedactResult {
  const counts: Record<string, number> = {};
  const redacted = redactResolved(
    text,
    resolveKinds(options.kinds),
    options.replacement ?? defaultReplacement,
    counts,
  );
  return { text: redacted, counts };
}

/**
 * {@link redact} with kinds already checked by {@link resolveKinds}, adding its counts into
 * `counts` (mutated); returns `text` itself when nothing was found. For callers redacting many
 * strings with the same options (e.g. `redactDeep`).
 */
export function redactResolved(
  text: string,
  kinds: readonly SensitiveKind[],
  replacement: (kind: SensitiveKind) => string,
  counts: Record<string, number>,
): string {
  const findings = detectResolved(text, kinds);
  if (findings.length === 0) return text;
  const parts: string[] = [];
  let from = 0;
  for (const finding of findings) {
    parts.push(text.slice(from, finding.start), replacement(finding.kind));
    counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
    from = finding.end;
  }
  parts.push(text.slice(from));
  return parts.join('');
}
