import { describe, expect, it } from 'vitest';
import { detect, detectResolved, resolveKinds } from './detect.js';
import { SENSITIVE_KINDS, type SensitiveKind } from './kinds.js';
import { redact } from './redact.js';

describe('resolveKinds', () => {
  it('checks a frozen list once and gives the same answer after', () => {
    const kinds = Object.freeze<SensitiveKind[]>(['email', 'ipv4', 'email']);
    const first = resolveKinds(kinds);
    expect(first).toEqual(['email', 'ipv4']);
    expect(resolveKinds(kinds)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(resolveKinds(undefined)).toBe(SENSITIVE_KINDS);
  });

  it('rejects an unknown kind on every call, frozen or not', () => {
    const bad = Object.freeze(['email', 'emial'] as SensitiveKind[]);
    for (let i = 0; i < 2; i += 1) {
      expect(() => resolveKinds(bad)).toThrow(expect.objectContaining({ code: 'UNKNOWN_KIND' }));
      expect(() => redact('a@example.com', { kinds: bad })).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_KIND' }),
      );
    }
  });

  it('reads a list that can still change again on each call', () => {
    const kinds: SensitiveKind[] = ['email'];
    expect(resolveKinds(kinds)).toEqual(['email']);
    kinds.push('nope' as SensitiveKind);
    expect(() => resolveKinds(kinds)).toThrow(expect.objectContaining({ code: 'UNKNOWN_KIND' }));
    kinds[1] = 'ipv4';
    expect(detect('a@example.com 192.0.2.1', { kinds }).map((f) => f.kind)).toEqual([
      'email',
      'ipv4',
    ]);
  });
});

describe('detectResolved', () => {
  it('finds what detect finds, and each call only its own findings', () => {
    const text = 'mail a@example.com from 192.0.2.1, password=hunter2hunter2';
    expect(detectResolved(text, SENSITIVE_KINDS)).toEqual(detect(text));
    expect(detectResolved('nothing here', SENSITIVE_KINDS)).toEqual([]);
    expect(detectResolved('b@example.com', ['email'])).toEqual([
      { kind: 'email', start: 0, end: 13 },
    ]);
  });
});
