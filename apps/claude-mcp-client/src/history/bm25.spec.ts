import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rankBm25, type RankDocument } from './bm25.js';
import { termFrequencies } from './tokenize.js';

const doc = (text: string): RankDocument => {
  const tf = termFrequencies(text);
  return { tf, length: [...tf.values()].reduce((a, b) => a + b, 0) };
};

describe('rankBm25', () => {
  it('leaves out documents without any query term and ranks the others', () => {
    const docs = [doc('lunch menu and weather'), doc('botnet traffic from 203.0.113.7'), doc('the botnet botnet botnet again')];
    const ranked = rankBm25(['botnet'], docs);
    expect(ranked.map((r) => r.index)).toEqual([2, 1]);
  });

  it('ranks a rare term above a common one', () => {
    const docs = [doc('alpha common'), doc('beta common'), doc('gamma common'), doc('rare common')];
    const ranked = rankBm25(['rare', 'common'], docs);
    expect(ranked[0]?.index).toBe(3);
  });

  it('prefers the shorter document for the same number of matches (length normalisation)', () => {
    const docs = [doc('kestrel'), doc('kestrel plus many other words that dilute the single mention considerably')];
    const ranked = rankBm25(['kestrel'], docs);
    expect(ranked.map((r) => r.index)).toEqual([0, 1]);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
  });

  it('returns nothing for an empty query or corpus', () => {
    expect(rankBm25([], [doc('x y')])).toEqual([]);
    expect(rankBm25(['x'], [])).toEqual([]);
  });

  it('keeps every score in (0, 1] and sorted, whatever the corpus', () => {
    const word = fc.constantFrom('ip', 'botnet', 'api', 'latency', 'kestrel', 'zanzibar', 'scan', 'port');
    const text = fc.array(word, { minLength: 1, maxLength: 30 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), fc.array(word, { minLength: 1, maxLength: 4 }), (texts, query) => {
        const ranked = rankBm25(query, texts.map(doc));
        for (const r of ranked) {
          expect(r.score).toBeGreaterThan(0);
          expect(r.score).toBeLessThanOrEqual(1);
        }
        for (let i = 1; i < ranked.length; i += 1) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
        const matching = texts.filter((t) => query.some((q) => t.split(' ').includes(q))).length;
        expect(ranked).toHaveLength(matching);
      }),
    );
  });
});
