import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorpusStore } from '../corpus/corpus-store.js';
import { InvalidToolArguments, ToolFailure } from '../mcp/tool.js';
import { logStoreInput } from './log-store.schema.js';
import { logStoreTool } from './log-store.tool.js';

const LIMITS = {
  maxFileBytes: 1_000_000,
  maxTotalBytes: 1_000_000,
  maxFiles: 10,
  maxLineChars: 10_000,
};
const ctx = { signal: new AbortController().signal };
const args = (raw: Record<string, unknown>) => logStoreInput.parse(raw);

describe('log_store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logs-'));
    await writeFile(
      join(dir, 'a.jsonl'),
      '{"timestamp":"2026-11-20T08:00:00Z","level":"error","message":"boom"}\n',
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validates its arguments with bounds', () => {
    expect(logStoreInput.safeParse({ limit: 501 }).success).toBe(false);
    expect(logStoreInput.safeParse({ regex: 'a'.repeat(257) }).success).toBe(false);
    expect(logStoreInput.safeParse({ from: 'yesterday' }).success).toBe(false);
    expect(
      logStoreInput.safeParse({ from: '2026-11-20T09:00:00Z', to: '2026-11-20T08:00:00Z' }).error
        ?.issues[0]?.path,
    ).toEqual(['to']);
    const elevenFilters = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, 1]));
    expect(logStoreInput.safeParse({ fields: elevenFilters }).success).toBe(false);
    expect(args({})).toEqual({ limit: 20 });
  });

  it('rejects a regex outside the linear-time subset as an argument error', async () => {
    const store = new CorpusStore(dir, LIMITS);
    await store.reload();
    await expect(logStoreTool(store).run(args({ regex: '(a)\\1' }), ctx)).rejects.toBeInstanceOf(
      InvalidToolArguments,
    );
    await expect(logStoreTool(store).run(args({ regex: '(unclosed' }), ctx)).rejects.toThrow(
      /regex: /,
    );
  });

  it('fails as a tool when the corpus is unavailable, and recovers on reload', async () => {
    const store = new CorpusStore(join(dir, 'later'), LIMITS);
    await store.reload().catch(() => undefined);
    const tool = logStoreTool(store);
    await expect(tool.run(args({}), ctx)).rejects.toMatchObject({ code: 'CORPUS_UNAVAILABLE' });
    await expect(tool.run(args({ reload: true }), ctx)).rejects.toBeInstanceOf(ToolFailure);
    const good = logStoreTool(new CorpusStore(dir, LIMITS));
    const result = await good.run(args({ reload: true }), ctx);
    expect(result.structuredContent).toMatchObject({
      matched: 1,
      corpus: { files: 1, records: 1 },
    });
  });

  it('reports the matches in the text summary', async () => {
    const store = new CorpusStore(dir, LIMITS);
    await store.reload();
    const result = await logStoreTool(store).run(args({ group_by: 'level' }), ctx);
    expect(result.content).toEqual([
      {
        type: 'text',
        text: '1 of 1 log lines matched.\nBy level (1 distinct): error: 1\n2026-11-20T08:00:00.000Z error a.jsonl:1 boom',
      },
    ]);
  });
});
