import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestSnippet, SNIPPET_MAX_CHARS } from './snippet.js';

describe('bestSnippet', () => {
  it('picks the sentence with the most query terms, keeping IP addresses whole', () => {
    const text = 'We had lunch. The botnet reached 203.0.113.7 yesterday. Nothing else happened.';
    expect(bestSnippet(text, ['botnet', '203.0.113.7'])).toBe('The botnet reached 203.0.113.7 yesterday.');
  });

  it('cuts a long sentence around the first match and marks the cuts', () => {
    const text = `${'filler '.repeat(100)}zanzibar ${'tail '.repeat(100)}`;
    const snippet = bestSnippet(text, ['zanzibar']);
    expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS);
    expect(snippet).toContain('zanzibar');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
  });

  it('is never empty and never longer than the limit for non-blank text', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 2000 }).filter((s) => /\S/.test(s)), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), (text, terms) => {
        const snippet = bestSnippet(text, terms);
        expect(snippet.length).toBeGreaterThan(0);
        expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS);
      }),
    );
  });
});
