import { BlockList } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AddressList, BoundedMemo, MAX_REMEMBERED_VERDICTS } from './address-list.js';

describe('AddressList', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('matches addresses and prefixes of both families, IPv4-mapped IPv6 included', () => {
    const list = new AddressList(['10.0.0.0/8', '203.0.113.9', '2001:db8::/32', '::1']);
    expect(list.has('10.1.2.3')).toBe(true);
    expect(list.has('11.0.0.1')).toBe(false);
    expect(list.has('203.0.113.9')).toBe(true);
    expect(list.has('203.0.113.10')).toBe(false);
    expect(list.has('2001:db8::7')).toBe(true);
    expect(list.has('2001:db9::7')).toBe(false);
    expect(list.has('::1')).toBe(true);
    expect(list.has('::ffff:10.9.8.7')).toBe(true);
  });

  it('says no to what is not an address', () => {
    const list = new AddressList(['0.0.0.0/0', '::/0']);
    expect(list.has('')).toBe(false);
    expect(list.has('not-an-ip')).toBe(false);
    expect(list.has('10.0.0.1, 10.0.0.2')).toBe(false);
    expect(list.has('1.2.3.4')).toBe(true);
  });

  it('asks BlockList once per address and answers repeats from memory', () => {
    const check = vi.spyOn(BlockList.prototype, 'check');
    const list = new AddressList(['10.0.0.0/8']);
    for (let i = 0; i < 5; i += 1) {
      expect(list.has('10.0.0.1')).toBe(true);
      expect(list.has('192.0.2.1')).toBe(false);
    }
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('never asks for an empty list', () => {
    const check = vi.spyOn(BlockList.prototype, 'check');
    const list = new AddressList([]);
    expect(list.has('10.0.0.1')).toBe(false);
    expect(list.has('::1')).toBe(false);
    expect(check).not.toHaveBeenCalled();
  });

  it('remembers a bounded number of verdicts, forgetting the oldest first', () => {
    const check = vi.spyOn(BlockList.prototype, 'check');
    const list = new AddressList(['10.0.0.0/8']);
    const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i <= MAX_REMEMBERED_VERDICTS; i += 1) list.has(address(i));
    expect(check).toHaveBeenCalledTimes(MAX_REMEMBERED_VERDICTS + 1);
    list.has(address(MAX_REMEMBERED_VERDICTS));
    expect(check).toHaveBeenCalledTimes(MAX_REMEMBERED_VERDICTS + 1);
    // The first address was forgotten to make room for the last one: it is checked again.
    expect(list.has(address(0))).toBe(true);
    expect(check).toHaveBeenCalledTimes(MAX_REMEMBERED_VERDICTS + 2);
  });

  it('remembers nothing with remember: 0', () => {
    const check = vi.spyOn(BlockList.prototype, 'check');
    const list = new AddressList(['10.0.0.0/8'], { remember: 0 });
    expect(list.has('10.0.0.1')).toBe(true);
    expect(list.has('10.0.0.1')).toBe(true);
    expect(check).toHaveBeenCalledTimes(2);
  });
});

describe('BoundedMemo', () => {
  it('holds at most max entries, forgetting the first inserted', () => {
    const memo = new BoundedMemo<number>(2);
    memo.set('a', 1);
    memo.set('b', 2);
    memo.set('c', 3);
    expect([memo.get('a'), memo.get('b'), memo.get('c')]).toEqual([undefined, 2, 3]);
  });

  it('keeps nothing with max 0', () => {
    const memo = new BoundedMemo<number>(0);
    memo.set('a', 1);
    expect(memo.get('a')).toBeUndefined();
  });
});
