import type { SensitiveKind } from '../kinds.js';

/** A half-open range `[start, end)` of UTF-16 code units. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Receives the spans a detector found, in any order (the engine sorts and merges them). */
export type Emit = (start: number, end: number) => void;

/**
 * Finds one kind of sensitive data. Contract (checked by the pattern audit and the linear-time
 * test): every regular expression is global, has only bounded repetition and no quantified
 * group containing a quantifier, and `scan` makes at most one pass of it over the text; any
 * validation in code looks at a bounded window around each candidate.
 */
export interface Detector {
  readonly kind: SensitiveKind;
  /** The expressions `scan` runs, exposed for the linear-time pattern audit. */
  readonly patterns: readonly RegExp[];
  scan(text: string, emit: Emit): void;
}

/**
 * Runs a global `pattern` once over `text`. `accept` validates each candidate and returns the
 * span to report (possibly narrower than the match) or `null`. A rejected candidate resumes the
 * search one code unit after its start, so a shorter valid match starting later is not skipped;
 * the cost stays linear because each start is tried at most once and each attempt is bounded by
 * the pattern's longest match.
 */
export function scanMatches(
  pattern: RegExp,
  text: string,
  accept: (match: RegExpExecArray) => Span | null,
  emit: Emit,
): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const span = accept(match);
    if (span !== null && span.end > span.start) {
      emit(span.start, span.end);
      pattern.lastIndex = Math.max(span.end, match.index + 1);
    } else {
      pattern.lastIndex = match.index + 1;
    }
  }
  pattern.lastIndex = 0;
}

/** The whole match as the span. */
export function wholeMatch(match: RegExpExecArray): Span {
  return { start: match.index, end: match.index + match[0].length };
}

/** The span of the first capture group that took part in the match (needs the `d` flag). */
export function firstGroup(match: RegExpExecArray): Span | null {
  const indices = match.indices;
  if (!indices) return null;
  for (let i = 1; i < indices.length; i += 1) {
    const range = indices[i];
    if (range) return { start: range[0], end: range[1] };
  }
  return null;
}

/** A detector whose pattern alone decides (no validation beyond the expression). */
export function patternDetector(
  kind: SensitiveKind,
  pattern: RegExp,
  pick: (match: RegExpExecArray) => Span | null = wholeMatch,
): Detector {
  return {
    kind,
    patterns: [pattern],
    scan: (text, emit) => scanMatches(pattern, text, pick, emit),
  };
}

/** Character-class helpers for the hand-written validators (ASCII only, by design). */
export function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isAlnumCode(code: number): boolean {
  return isDigitCode(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
