import { tokenize } from './tokenize.js';

/** Longest snippet returned (the tool schema allows 2000; shorter keeps tool results compact). */
export const SNIPPET_MAX_CHARS = 300;

// Sentence ends: punctuation followed by whitespace (so `203.0.113.7` stays whole), or new lines.
const SENTENCE_BREAK = /(?<=[.!?])\s+|\n+/;

/**
 * The passage of `text` that best matches the query: the sentence with the most distinct query
 * terms (the earliest on a tie), cut to {@link SNIPPET_MAX_CHARS} around its first match, with
 * `…` where text was left out. Never empty for non-blank text.
 */
export function bestSnippet(text: string, queryTerms: readonly string[], maxChars = SNIPPET_MAX_CHARS): string {
  const wanted = new Set(queryTerms);
  const sentences = text.split(SENTENCE_BREAK).map((s) => s.trim()).filter(Boolean);
  let best = sentences[0] ?? text.trim();
  let bestHits = -1;
  for (const sentence of sentences) {
    const hits = new Set(tokenize(sentence).filter((t) => wanted.has(t))).size;
    if (hits > bestHits) {
      best = sentence;
      bestHits = hits;
    }
  }
  const flat = best.replace(/\s+/g, ' ');
  if (flat.length <= maxChars) return flat;
  const lower = flat.toLowerCase();
  const first = Math.min(...[...wanted].map((t) => lower.indexOf(t)).filter((i) => i >= 0), flat.length);
  const start = first === flat.length ? 0 : Math.max(0, Math.min(first - Math.floor(maxChars / 4), flat.length - maxChars + 1));
  const body = flat.slice(start, start + maxChars - 2);
  return `${start > 0 ? '…' : ''}${body}${start + body.length < flat.length ? '…' : ''}`;
}
