import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Linux describes the first core's caches. */
export const CPU0_CACHE_DIR = '/sys/devices/system/cpu/cpu0/cache';

const TYPE_SUFFIX: Record<string, string> = { Data: 'd', Instruction: 'i', Unified: '' };

/**
 * The first core's caches as `L1d 48K, L1i 32K, L2 1024K, L3 32768K`, or undefined where sysfs does
 * not say. Recorded with each result: the same VM kind has run on processors whose caches differ,
 * and the gateway's CPU per call moved with them while the floor proxy's did not (run 27).
 */
export function cpuCaches(dir: string = CPU0_CACHE_DIR): string | undefined {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((name) => /^index\d+$/.test(name));
  } catch {
    return undefined;
  }
  const caches = entries
    .map((name) => {
      const read = (file: string) => {
        try {
          return readFileSync(join(dir, name, file), 'utf8').trim();
        } catch {
          return '';
        }
      };
      const level = read('level');
      const suffix = TYPE_SUFFIX[read('type')];
      const size = read('size');
      return /^\d+$/.test(level) && suffix !== undefined && size !== ''
        ? { level: Number(level), label: `L${level}${suffix} ${size}` }
        : undefined;
    })
    .filter((cache) => cache !== undefined)
    .sort((a, b) => a.level - b.level || a.label.localeCompare(b.label));
  return caches.length > 0 ? caches.map((cache) => cache.label).join(', ') : undefined;
}
