import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuCaches } from './cpu-caches.js';

describe('cpuCaches', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function sysfs(
    caches: Array<{ index: number; level?: string; type?: string; size?: string }>,
  ): string {
    const dir = mkdtempSync(join(tmpdir(), 'cpu-caches-'));
    dirs.push(dir);
    for (const cache of caches) {
      const at = join(dir, `index${cache.index}`);
      mkdirSync(at);
      if (cache.level !== undefined) writeFileSync(join(at, 'level'), `${cache.level}\n`);
      if (cache.type !== undefined) writeFileSync(join(at, 'type'), `${cache.type}\n`);
      if (cache.size !== undefined) writeFileSync(join(at, 'size'), `${cache.size}\n`);
    }
    writeFileSync(join(dir, 'uevent'), '');
    return dir;
  }

  it('names each level and kind with its size, smallest level first', () => {
    const dir = sysfs([
      { index: 3, level: '3', type: 'Unified', size: '32768K' },
      { index: 1, level: '1', type: 'Instruction', size: '32K' },
      { index: 0, level: '1', type: 'Data', size: '48K' },
      { index: 2, level: '2', type: 'Unified', size: '1024K' },
    ]);
    expect(cpuCaches(dir)).toBe('L1d 48K, L1i 32K, L2 1024K, L3 32768K');
  });

  it('skips an entry it cannot read and says nothing where sysfs has no caches', () => {
    const dir = sysfs([
      { index: 0, level: '1', type: 'Data', size: '32K' },
      { index: 1, level: 'x', type: 'Instruction', size: '32K' },
      { index: 2, level: '2', type: 'Unified' },
    ]);
    expect(cpuCaches(dir)).toBe('L1d 32K');
    expect(cpuCaches(sysfs([]))).toBeUndefined();
    expect(cpuCaches(join(tmpdir(), 'no-such-cpu-cache-dir'))).toBeUndefined();
  });
});
