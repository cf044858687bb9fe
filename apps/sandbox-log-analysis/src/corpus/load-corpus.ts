import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { LogRecord } from './log-record.js';
import { parseLine } from './parse-line.js';

/** Bounds that keep the index's memory proportional to what the operator allowed. */
export interface CorpusLimits {
  /** A file above this many bytes is refused (listed in `skipped`, never read). */
  readonly maxFileBytes: number;
  /** Files are read in name order until their total would pass this. */
  readonly maxTotalBytes: number;
  readonly maxFiles: number;
  /** Longer lines are cut (the cut line is still indexed). */
  readonly maxLineChars: number;
}

/** Why a file is not in the index. */
export type SkipReason = 'too_large' | 'total_limit' | 'file_limit' | 'unreadable';

export interface CorpusFileInfo {
  readonly name: string;
  readonly bytes: number;
  readonly records: number;
}

/** An immutable snapshot of the corpus: records sorted by time (untimed last, in file order). */
export interface CorpusIndex {
  readonly dir: string;
  readonly records: readonly LogRecord[];
  readonly files: readonly CorpusFileInfo[];
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: SkipReason }>;
  readonly bytes: number;
  readonly loadedAt: Date;
}

/** Extensions read as logs; everything else in the directory (README, hidden files) is ignored. */
export const LOG_EXTENSIONS: readonly string[] = ['.jsonl', '.ndjson', '.json', '.log', '.txt'];

/**
 * Reads the first `size` bytes (the size `stat` reported, already checked against the limit):
 * a log that grows while it is indexed is taken as it was, so memory stays within the bound.
 */
async function readPrefix(path: string, size: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}

function indexLines(name: string, text: string, maxLineChars: number): LogRecord[] {
  const records: LogRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    let raw = lines[i] ?? '';
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    if (raw.length > maxLineChars) raw = raw.slice(0, maxLineChars);
    records.push({ file: name, line: i + 1, raw, ...parseLine(raw) });
  }
  return records;
}

function byTime(a: LogRecord, b: LogRecord): number {
  if (a.time === undefined || b.time === undefined) {
    return (a.time === undefined ? 1 : 0) - (b.time === undefined ? 1 : 0);
  }
  return a.time - b.time;
}

/**
 * Indexes the log files directly inside `dir` (not recursive; symlinks followed only to regular
 * files). Only reads: the sandbox may run with read access to this directory alone.
 */
export async function loadCorpus(dir: string, limits: CorpusLimits): Promise<CorpusIndex> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter(
      (e) => !e.name.startsWith('.') && LOG_EXTENSIONS.includes(extname(e.name).toLowerCase()),
    )
    .map((e) => e.name)
    .sort();
  const records: LogRecord[] = [];
  const files: CorpusFileInfo[] = [];
  const skipped: Array<{ name: string; reason: SkipReason }> = [];
  let bytes = 0;
  for (const name of entries) {
    if (files.length >= limits.maxFiles) {
      skipped.push({ name, reason: 'file_limit' });
      continue;
    }
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      if (!info) skipped.push({ name, reason: 'unreadable' });
      continue;
    }
    if (info.size > limits.maxFileBytes) {
      skipped.push({ name, reason: 'too_large' });
      continue;
    }
    if (bytes + info.size > limits.maxTotalBytes) {
      skipped.push({ name, reason: 'total_limit' });
      continue;
    }
    const text = await readPrefix(path, info.size).catch(() => undefined);
    if (text === undefined) {
      skipped.push({ name, reason: 'unreadable' });
      continue;
    }
    const fileRecords = indexLines(name, text, limits.maxLineChars);
    records.push(...fileRecords);
    files.push({ name, bytes: info.size, records: fileRecords.length });
    bytes += info.size;
  }
  records.sort(byTime); // stable: equal times keep file and line order
  return { dir, records, files, skipped, bytes, loadedAt: new Date() };
}
