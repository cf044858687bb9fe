import { describe, expect, it } from 'vitest';
import { redactDeep } from './redact-deep.js';
import { DEFAULT_SENSITIVE_KEYS, keyMatcherFor } from './sensitive-keys.js';

describe('keyMatcherFor', () => {
  it('compares keys lower-cased without separators', () => {
    const matcher = keyMatcherFor(DEFAULT_SENSITIVE_KEYS);
    expect(
      ['Password', 'X-API-KEY', 'client.secret', 'Set Cookie', 'apiKey'].map((k) =>
        matcher?.matches(k),
      ),
    ).toEqual([true, true, true, true, true]);
    expect(['text', 'type', 'passwords', 'key', ''].map((k) => matcher?.matches(k))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('remembers short keys only, so hostile long keys cannot pile up in the shared memo', () => {
    const matcher = keyMatcherFor(Object.freeze(['ssn']));
    const before = matcher?.remembered() ?? 0;
    for (let i = 0; i < 20; i += 1)
      expect(matcher?.matches(`${'k'.repeat(100_000)}${i}`)).toBe(false);
    expect(matcher?.remembered()).toBe(before);
    expect(matcher?.matches('SSN')).toBe(true);
    expect(matcher?.remembered()).toBe(before + 1);
  });

  it('is off for an empty list and built once for a frozen one', () => {
    expect(keyMatcherFor([])).toBeUndefined();
    expect(keyMatcherFor(DEFAULT_SENSITIVE_KEYS)).toBe(keyMatcherFor(DEFAULT_SENSITIVE_KEYS));
    const custom = Object.freeze(['ssn']);
    expect(keyMatcherFor(custom)).toBe(keyMatcherFor(custom));
    expect(keyMatcherFor(custom)?.matches('SSN')).toBe(true);
  });

  it('reads a list that can still change again on each call', () => {
    const keys = ['ssn'];
    expect(redactDeep({ ssn: 'a', pin: 'b' }, { sensitiveKeys: keys }).value).toEqual({
      ssn: '[REDACTED:password]',
      pin: 'b',
    });
    keys.push('pin');
    expect(redactDeep({ ssn: 'a', pin: 'b' }, { sensitiveKeys: keys }).value).toEqual({
      ssn: '[REDACTED:password]',
      pin: '[REDACTED:password]',
    });
  });

  it('answers the same after its memo of keys has filled and been cleared', () => {
    const matcher = keyMatcherFor(DEFAULT_SENSITIVE_KEYS);
    expect(matcher?.matches('Access-Token')).toBe(true);
    for (let i = 0; i < 3000; i += 1) expect(matcher?.matches(`field${i}`)).toBe(false);
    expect(matcher?.matches('Access-Token')).toBe(true);
    expect(matcher?.matches('field7')).toBe(false);
  });
});
