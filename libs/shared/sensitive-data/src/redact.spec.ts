import { describe, expect, it } from 'vitest';
import { defaultReplacement, redact } from './redact.js';

describe('redact', () => {
  it('replaces each finding and counts them per kind', () => {
    const result = redact('mail a@example.com and b@example.org from 192.0.2.1');
    expect(result.text).toBe('mail [REDACTED:email] and [REDACTED:email] from [REDACTED:ipv4]');
    expect(result.counts).toEqual({ email: 2, ipv4: 1 });
  });

  it('returns the same text and no counts when nothing is found', () => {
    expect(redact('nothing to see')).toEqual({ text: 'nothing to see', counts: {} });
  });

  it('uses a custom replacement per kind', () => {
    const result = redact('a@example.com 192.0.2.1', {
      replacement: (kind) => `<${kind.toUpperCase()}>`,
    });
    expect(result.text).toBe('<EMAIL> <IPV4>');
  });

  it('honours the kinds filter', () => {
    expect(redact('a@example.com 192.0.2.1', { kinds: ['email'] }).text).toBe(
      '[REDACTED:email] 192.0.2.1',
    );
  });

  it('keeps the default replacement stable', () => {
    expect(defaultReplacement('credit_card')).toBe('[REDACTED:credit_card]');
  });
});
