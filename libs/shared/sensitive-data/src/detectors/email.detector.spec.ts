import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';

const hits = (text: string) =>
  detect(text, { kinds: ['email'] }).map((f) => text.slice(f.start, f.end));

describe('email', () => {
  it('finds addresses in prose, JSON and angle brackets', () => {
    expect(hits('reset sent to dave@example.com.')).toEqual(['dave@example.com']);
    expect(hits('{"to":"bob.smith+tag@mail.example.co.uk"}')).toEqual([
      'bob.smith+tag@mail.example.co.uk',
    ]);
    expect(hits('From: Erin <erin_o%x@sub-domain.example.org>')).toEqual([
      'erin_o%x@sub-domain.example.org',
    ]);
  });

  it('finds the real address after a false start', () => {
    expect(hits('x@alice@example.com')).toEqual(['alice@example.com']);
  });

  it('ignores things that only look like addresses', () => {
    expect(hits('a@b and user@localhost and x@y.z1 and me@-bad-.com')).toEqual([]);
    expect(hits('npm i @scope/pkg@1.2.3 and git@host')).toEqual([]);
    expect(hits('.dot@example.com')).toEqual([]);
    expect(hits(`${'a'.repeat(65)}@example.com`)).toEqual([]); // local part over 64
  });
});
