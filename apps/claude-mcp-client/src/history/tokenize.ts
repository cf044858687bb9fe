/**
 * Tokenizer of the context search. Security conversations are full of compound identifiers
 * (`203.0.113.7`, `evil.example.com`, `payments-api`), so a compound is one token and each of its
 * parts is another: the whole IP matches exactly, and `example` still finds `evil.example.com`.
 * Linear time: one pass of a regex without nested quantifiers.
 */

// A word, optionally joined to more words by single . : _ - / characters.
const COMPOUND = /[\p{L}\p{N}]+(?:[._:/-][\p{L}\p{N}]+)*/gu;
const PART = /[\p{L}\p{N}]+/gu;
const MAX_TOKEN_LENGTH = 64;

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these they this to was we were what ' +
    'when where which who why will with would you your about please check tell show give'
  ).split(' '),
);

const keep = (token: string) => token.length > 1 && token.length <= MAX_TOKEN_LENGTH && !STOPWORDS.has(token);

/** The search terms of `text`, in order, repeats kept (term frequencies count them). */
export function tokenize(text: string, maxTokens = 4000): string[] {
  const out: string[] = [];
  for (const match of text.normalize('NFKC').toLowerCase().matchAll(COMPOUND)) {
    const compound = match[0];
    if (keep(compound)) out.push(compound);
    if (/[._:/-]/.test(compound)) {
      for (const part of compound.matchAll(PART)) if (keep(part[0])) out.push(part[0]);
    }
    if (out.length >= maxTokens) return out.slice(0, maxTokens);
  }
  return out;
}

/** Term frequencies of `text` (a Map: terms such as `constructor` must not meet Object's prototype). */
export function termFrequencies(text: string): Map<string, number> {
  const tf = new Map<string, number>();
  for (const term of tokenize(text)) tf.set(term, (tf.get(term) ?? 0) + 1);
  return tf;
}
