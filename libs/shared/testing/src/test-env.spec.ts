import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTestEnv } from './test-env.js';

describe('readTestEnv', () => {
  it('reads REDIS_URL and treats an empty value as unset', () => {
    expect(readTestEnv({ REDIS_URL: 'redis://127.0.0.1:6390' }).redisUrl).toBe(
      'redis://127.0.0.1:6390',
    );
    expect(readTestEnv({ REDIS_URL: '  ' }).redisUrl).toBeUndefined();
    expect(readTestEnv({}).redisUrl).toBeUndefined();
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['', false],
    [undefined, false],
  ])('CI=%s → ci=%s', (value, expected) => {
    expect(readTestEnv({ CI: value }).ci).toBe(expected);
  });

  it('splits PATH into directories, dropping empty entries', () => {
    expect(readTestEnv({ PATH: `/usr/bin${delimiter}${delimiter}/bin` }).pathDirs).toEqual([
      '/usr/bin',
      '/bin',
    ]);
    expect(readTestEnv({}).pathDirs).toEqual([]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(readTestEnv({}))).toBe(true);
  });
});
