import { describe, expect, it } from 'vitest';
import { termFrequencies, tokenize } from './tokenize.js';

describe('tokenize', () => {
  it('keeps compound identifiers whole and adds their parts', () => {
    expect(tokenize('Traffic from 203.0.113.7 to evil.example.com via payments-api')).toEqual([
      'traffic', '203.0.113.7', '203', '113', 'evil.example.com', 'evil', 'example', 'com', 'via', 'payments-api', 'payments', 'api',
    ]);
  });

  it('drops stopwords and single characters, folds case and width', () => {
    expect(tokenize('What is THE risk of a ＩＰ?')).toEqual(['risk', 'ip']);
  });

  it('is safe for words that are Object.prototype members', () => {
    const tf = termFrequencies('constructor toString constructor __proto__ hasOwnProperty');
    expect(tf.get('constructor')).toBe(2);
    expect(tf.get('tostring')).toBe(1);
    expect(tf.get('valueof')).toBeUndefined();
  });

  it('caps the number of tokens and stays fast on hostile input', () => {
    expect(tokenize('word '.repeat(10_000), 50)).toHaveLength(50);
    // CPU time, not elapsed: other test processes preempt this one on a busy machine.
    const started = process.cpuUsage();
    tokenize('a.'.repeat(50_000) + '!' + 'x-'.repeat(50_000));
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });
});
