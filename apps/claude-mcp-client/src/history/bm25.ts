/** One document as the ranking sees it: its term frequencies and its length in terms. */
export interface RankDocument {
  readonly tf: ReadonlyMap<string, number>;
  readonly length: number;
}

/** A document's position in the input and its relevance. */
export interface Ranked {
  readonly index: number;
  /** Okapi BM25 divided by the largest score this query can reach: 0–1, comparable across queries. */
  readonly score: number;
}

export interface Bm25Options {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Length normalisation (default 0.75). */
  b?: number;
}

/**
 * Ranks `docs` for the query terms with Okapi BM25 (Robertson–Spärck Jones idf in the
 * non-negative Lucene form `ln(1 + (N − df + 0.5) / (df + 0.5))`). A term's contribution is
 * below `idf · (k1 + 1)` whatever its frequency, so dividing by the sum of those bounds gives a
 * relevance in [0, 1) that means the same for every query: the tool schema's `score`.
 * Documents matching no query term are left out; ties keep input order.
 */
export function rankBm25(queryTerms: readonly string[], docs: readonly RankDocument[], options: Bm25Options = {}): Ranked[] {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  const terms = [...new Set(queryTerms)];
  const n = docs.length;
  if (n === 0 || terms.length === 0) return [];
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / n || 1;
  const idf = new Map<string, number>();
  let ceiling = 0;
  for (const term of terms) {
    const df = docs.reduce((count, d) => count + (d.tf.has(term) ? 1 : 0), 0);
    const value = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    idf.set(term, value);
    ceiling += value * (k1 + 1);
  }
  const ranked: Ranked[] = [];
  docs.forEach((doc, index) => {
    let raw = 0;
    for (const term of terms) {
      const f = doc.tf.get(term) ?? 0;
      if (f === 0) continue;
      raw += ((idf.get(term) ?? 0) * f * (k1 + 1)) / (f + k1 * (1 - b + (b * doc.length) / avgLength));
    }
    if (raw > 0) ranked.push({ index, score: Math.min(1, raw / ceiling) });
  });
  return ranked.sort((x, y) => y.score - x.score || x.index - y.index);
}
