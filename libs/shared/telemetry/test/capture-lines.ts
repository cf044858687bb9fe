import { Writable } from 'node:stream';

/** A writable stream that keeps every written line, for asserting on logger output. */
export interface LineCapture {
  stream: Writable;
  lines: string[];
  /** Parsed JSON lines (after letting winston's stream flush). */
  records(): Promise<Array<Record<string, unknown>>>;
}

export function captureLines(): LineCapture {
  const lines: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        lines.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      callback();
    },
  });
  return {
    stream,
    lines,
    records: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}
