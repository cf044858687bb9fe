import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shipped sample corpus. */
export const CORPUS_DIR = fileURLToPath(new URL('../corpus', import.meta.url));
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** One corpus line as the test reads it, independently of the app's parser. */
export interface FactLine {
  file: string;
  raw: string;
  time: number;
  level: string;
  fields: Record<string, unknown>;
}

const read = (name: string) =>
  readFileSync(`${CORPUS_DIR}/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

const MONTH: Record<string, string> = { Nov: '11' };

/** Every line of the sample corpus with its time, level and fields, read the simple way. */
export function corpusFacts(): FactLine[] {
  const json = read('app-2026-11-20.jsonl').map((raw) => {
    const fields = JSON.parse(raw) as Record<string, unknown>;
    return {
      file: 'app-2026-11-20.jsonl',
      raw,
      time: Date.parse(String(fields['timestamp'])),
      level: String(fields['level']),
      fields,
    };
  });
  const nginx = read('nginx-access.log').map((raw) => {
    const [addr, , , stamp] = raw.split(' ');
    const [d, mon, rest] = (stamp ?? '').slice(1).split('/');
    const [y, hh, mm, ss] = (rest ?? '').split(':');
    const status = Number(raw.split('"')[2]?.trim().split(' ')[0]);
    return {
      file: 'nginx-access.log',
      raw,
      time: Date.parse(`${y}-${MONTH[mon ?? '']}-${d}T${hh}:${mm}:${ss}Z`),
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      fields: { remote_addr: addr, status },
    };
  });
  const worker = read('worker-2026-11-20.log').map((raw) => {
    const [stamp, level] = raw.split(/\s+/);
    const job = /job=(\S+)/.exec(raw)?.[1];
    return {
      file: 'worker-2026-11-20.log',
      raw,
      time: Date.parse(stamp ?? ''),
      level: (level ?? '').toLowerCase(),
      fields: { job },
    };
  });
  return [...json, ...nginx, ...worker];
}

/** Counts of `key(line)` over `lines`, as a plain object. */
export function countBy(
  lines: readonly FactLine[],
  key: (line: FactLine) => string | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    const k = key(line);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
