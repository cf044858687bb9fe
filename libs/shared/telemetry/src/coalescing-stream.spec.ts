import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescingStream } from './coalescing-stream.js';
import { createLogger } from './logger.js';
import { logJson } from './json-line.js';

/** A sink that records each write it receives. */
function recordingSink(): { sink: Writable; writes: string[] } {
  const writes: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      writes.push(chunk.toString());
      callback();
    },
  });
  return { sink, writes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CoalescingStream', () => {
  it('passes the lines of one interval to the sink in one write, in order', () => {
    vi.useFakeTimers();
    const { sink, writes } = recordingSink();
    const stream = new CoalescingStream(sink, 10);
    stream.write('a\n');
    stream.write('b\n');
    stream.write(Buffer.from('c\n'));
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(9);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(['a\nb\nc\n']);
    stream.write('d\n');
    vi.advanceTimersByTime(10);
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes a full batch at once, without waiting for the interval', () => {
    vi.useFakeTimers();
    const { sink, writes } = recordingSink();
    const stream = new CoalescingStream(sink, 1_000);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i += 1) stream.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(line.repeat(64));
    stream.write('tail\n');
    vi.advanceTimersByTime(1_000);
    expect(writes).toEqual([line.repeat(64), 'tail\n']);
  });

  it('writes what it holds when it ends', async () => {
    const { sink, writes } = recordingSink();
    const stream = new CoalescingStream(sink, 60_000);
    stream.write('last\n');
    await new Promise<void>((resolve) => stream.end(resolve));
    expect(writes).toEqual(['last\n']);
  });
});

describe('createLogger with flushIntervalMs', () => {
  it('writes the regular and the pre-serialised lines in the order they were logged', () => {
    vi.useFakeTimers();
    const { sink, writes } = recordingSink();
    const logger = createLogger({ service: 'coalesce', stream: sink, flushIntervalMs: 5 });
    logger.info('first');
    logJson(logger, 'info', 'audit', 'audit', { n: 2 });
    logger.warn('third');
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(5);
    expect(writes).toHaveLength(1);
    const lines = (writes[0] ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['message'])).toEqual(['first', 'audit', 'third']);
    expect(lines[1]?.['audit']).toEqual({ n: 2 });
  });

  it.each([0, 3])('writes held lines when the process exits with code %i', async (code) => {
    const fixture = fileURLToPath(new URL('../test/exit-flush-fixture.ts', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, String(code)], {
      timeout: 20_000,
    });
    const { stdout } = await run.catch((err: { code?: number; stdout?: string }) => {
      expect(err.code).toBe(code);
      return { stdout: err.stdout ?? '' };
    });
    const records = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r['message'])).toEqual([
      'held line',
      'audit',
      'from a later exit listener',
    ]);
    expect(records[1]?.['audit']).toEqual({ n: 2 });
  });
});
