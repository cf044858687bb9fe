import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorpusStore } from './corpus-store.js';
import { loadCorpus, type CorpusLimits } from './load-corpus.js';

const LIMITS: CorpusLimits = {
  maxFileBytes: 10_000,
  maxTotalBytes: 100_000,
  maxFiles: 10,
  maxLineChars: 1000,
};

describe('loadCorpus', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes log files in name order, sorted by time, ignoring other files', async () => {
    await writeFile(
      join(dir, 'b.jsonl'),
      '{"timestamp":"2026-11-20T10:00:00Z","level":"info","msg":"late"}\n\n{"msg":"untimed"}\r\n',
    );
    await writeFile(join(dir, 'a.log'), '2026-11-20T09:00:00Z ERROR early\n');
    await writeFile(join(dir, 'README.md'), '# not a log\n');
    await writeFile(join(dir, '.hidden.log'), 'hidden\n');
    await mkdir(join(dir, 'nested.log'));
    const index = await loadCorpus(dir, LIMITS);
    expect(index.files.map((f) => [f.name, f.records])).toEqual([
      ['a.log', 1],
      ['b.jsonl', 2],
    ]);
    expect(index.records.map((r) => `${r.file}:${r.line} ${r.message}`)).toEqual([
      'a.log:1 early',
      'b.jsonl:1 late',
      'b.jsonl:3 untimed',
    ]);
    expect(index.records[2]?.raw).toBe('{"msg":"untimed"}');
    expect(index.skipped).toEqual([]);
  });

  it('refuses files above the size cap without reading them, and stops at the total and file caps', async () => {
    await writeFile(join(dir, 'a.log'), 'x'.repeat(600) + '\n');
    await writeFile(join(dir, 'b.log'), 'y'.repeat(2000) + '\n');
    await writeFile(join(dir, 'c.log'), 'z'.repeat(600) + '\n');
    await writeFile(join(dir, 'd.log'), 'w\n');
    await writeFile(join(dir, 'e.log'), 'v\n');
    const index = await loadCorpus(dir, {
      maxFileBytes: 1000,
      maxTotalBytes: 1000,
      maxFiles: 2,
      maxLineChars: 100,
    });
    expect(index.files.map((f) => f.name)).toEqual(['a.log', 'd.log']);
    expect(index.skipped).toEqual([
      { name: 'b.log', reason: 'too_large' },
      { name: 'c.log', reason: 'total_limit' },
      { name: 'e.log', reason: 'file_limit' },
    ]);
    expect(index.records[0]?.raw).toHaveLength(100); // cut at maxLineChars
  });

  it('rejects a directory that does not exist', async () => {
    await expect(loadCorpus(join(dir, 'missing'), LIMITS)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('CorpusStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the last good snapshot, reports a failed load and recovers on reload', async () => {
    const store = new CorpusStore(join(dir, 'logs'), LIMITS);
    await expect(store.reload()).rejects.toThrow();
    expect(store.current()).toBeUndefined();
    expect(store.failure()).toBeInstanceOf(Error);

    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'logs', 'a.log'), 'one\n');
    const [first, second] = await Promise.all([store.reload(), store.reload()]);
    expect(first).toBe(second); // concurrent reloads share one load
    expect(store.current()?.records).toHaveLength(1);
    expect(store.failure()).toBeUndefined();
  });
});
