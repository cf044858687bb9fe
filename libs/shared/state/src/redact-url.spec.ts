import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['redis://app:s3cret@cache:6379', 'redis://app:***@cache:6379'],
    ['rediss://s3cret@cache:6380', 'rediss://***@cache:6380'],
    ['redis://cache:6379?password=s3cret&db=1', 'redis://cache:6379?password=***&db=1'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactUrl(input)).not.toContain('s3cret');
  });

  it('never echoes unparseable input, which might be a bare secret', () => {
    expect(redactUrl('s3cret not a url')).toBe('<invalid url>');
  });
});
