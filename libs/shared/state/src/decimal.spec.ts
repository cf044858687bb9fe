import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal } from './decimal.js';

/** Old-generation growth of `test/fixtures/bucket-retention.ts` in a fresh process. */
async function bucketRetention(mode: 'string' | 'store'): Promise<number> {
  const path = fileURLToPath(new URL('../test/fixtures/bucket-retention.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--max-semi-space-size=1', '--import', 'tsx', path, mode],
    { timeout: 60_000 },
  );
  return (JSON.parse(stdout) as { grewBytes: number }).grewBytes;
}

describe('decimal', () => {
  it('writes the digits String writes, so a field reads back as the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(decimal(n)).toBe(String(n));
        expect(Number(decimal(n))).toBe(n === 0 ? 0 : n);
      }),
    );
    expect(decimal(1763880000123.456)).toBe('1763880000123.456');
    expect(decimal(-0)).toBe('0');
  });

  it('keeps a memory-store bucket from promoting its fields on every admission', async () => {
    const control = await bucketRetention('string');
    const store = await bucketRetention('store');
    // 100,000 writes: with String(n) 8 MB was promoted on Node 20 and 24 (10 MB through the store
    // before it used decimal); through the store now, 0.06-0.18 MB.
    expect(control, 'String(n) no longer promotes: decimal() may be unnecessary').toBeGreaterThan(
      3_000_000,
    );
    expect(store).toBeLessThan(control / 10);
  });
});
