import { scanMatches, type Detector, type Span } from './detector.js';

/** Longest value reported; a longer one is redacted up to here (the rest is noise, not a leak risk). */
const MAX_VALUE = 512;
/** How far back a parameter name is walked to find the `?` or `&` that starts it. */
const MAX_NAME = 64;

/*
 * The expression finds only the secret name, the assignment and the opening quote, if any; the
 * value is read in code because its end depends on the quoting (a quoted value may hold escaped
 * quotes) and on the context (`&` ends a value only inside a URL query). The negative lookbehind
 * plus bounded repetition keep each attempt constant; the value reader looks at most MAX_VALUE
 * characters forward and MAX_NAME back.
 */
const ASSIGNMENT =
  /(?<![A-Za-z0-9])(?:password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|auth[_-]?token|token)\\?["']?[ \t]{0,4}[:=][ \t]{0,4}(\\["']|["'])?/dgi;

/** Characters ending an unquoted value everywhere: whitespace, list separators, quotes, markup. */
const UNQUOTED_STOP = /[\s"'\\,;<>]/;
const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** Whether the parameter whose name ends just before `keyStart` begins right after `?` or `&`. */
function inQuery(text: string, keyStart: number): boolean {
  const floor = Math.max(0, keyStart - MAX_NAME);
  let i = keyStart - 1;
  while (i >= floor && NAME_CHAR.test(text[i] ?? '')) i -= 1;
  return text[i] === '?' || text[i] === '&';
}

/** End of an unquoted value: whitespace or a delimiter, and `&` only in a URL query. */
function unquotedEnd(text: string, start: number, keyStart: number): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  let query: boolean | undefined;
  let i = start;
  for (; i < limit; i += 1) {
    const c = text[i] ?? '';
    if (UNQUOTED_STOP.test(c)) break;
    if (c === '&' && (query ??= inQuery(text, keyStart))) break;
  }
  return i;
}

/**
 * End of a value opened by `quote` (`"` or `'`): the next unescaped `quote`, or the end of the
 * line when it is never closed. A backslash escapes the following character.
 */
function quotedEnd(text: string, start: number, quote: string): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  let i = start;
  while (i < limit) {
    const c = text[i];
    if (c === quote || c === '\n' || c === '\r') break;
    i += c === '\\' ? 2 : 1;
  }
  return Math.min(i, limit);
}

/**
 * End of a value opened by an escaped quote (`\"`, JSON inside a JSON string): the next `\"`
 * that is not itself an escaped character of the inner string. There, an inner `\` is written
 * `\\` and escapes the inner character after it, which may itself be written `\"` or `\\`.
 */
function escapedQuotedEnd(text: string, start: number, quote: string): number {
  const limit = Math.min(text.length, start + MAX_VALUE);
  let i = start;
  while (i < limit) {
    const c = text[i];
    if (c === '\n' || c === '\r') break;
    if (c !== '\\') {
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === quote) break;
    if (next !== '\\') {
      i += 2; // an outer escape such as \n
      continue;
    }
    i += 2; // the inner backslash, then the inner character it escapes
    i += text[i] === '\\' ? 2 : 1;
  }
  return Math.min(i, limit);
}

/**
 * A replacement this library wrote (`[REDACTED:<kind>]`, see `defaultReplacement`). A value
 * starting with one is read from after it: redacting `pwd= ghp_…` reports the more specific
 * `github_token`, and reading its marker as a password on a second pass would change the text.
 */
const MARKER = /\[REDACTED:[a-z0-9_]{1,32}\]/y;

function valueSpan(match: RegExpExecArray): Span | null {
  const text = match.input;
  let start = match.index + match[0].length;
  MARKER.lastIndex = start;
  if (MARKER.test(text)) start = MARKER.lastIndex;
  const opener = match[1];
  let end: number;
  if (opener === undefined) end = unquotedEnd(text, start, match.index);
  else if (opener.length === 2) end = escapedQuotedEnd(text, start, opener.charAt(1));
  else end = quotedEnd(text, start, opener);
  return end > start ? { start, end } : null;
}

/**
 * The value of a secret-looking assignment — `password=…`, `"api_key": "…"`, `token: …` — in
 * query strings, env files, JSON and log lines; the name stays readable. A quoted value runs to
 * its closing quote, escaped quotes and spaces included (never past the line end). An unquoted
 * value runs to whitespace, `,`, `;`, a quote, a backslash, `<` or `>`; `&` ends it only in a
 * URL query (the parameter name follows `?` or `&`), elsewhere it is part of the secret.
 */
export const passwordDetector: Detector = {
  kind: 'password',
  patterns: [ASSIGNMENT],
  scan: (text, emit) => scanMatches(ASSIGNMENT, text, valueSpan, emit),
};
