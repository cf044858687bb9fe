import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyLimit } from './body-limits.js';

/** Pipes `chunks` through the limit; the bytes that came out, or the error. */
async function through(chunks: string[], max: number, eventStream: boolean): Promise<{ out: number } | { error: string }> {
  const limited = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(bodyLimit(max, eventStream));
  let out = 0;
  try {
    for await (const chunk of limited) out += (chunk as Buffer).length;
    return { out };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('bodyLimit', () => {
  it('lets an event stream run past the bound as long as each event stays under it', async () => {
    const event = `data: ${'x'.repeat(10)}\n\n`;
    expect(await through(Array.from({ length: 20 }, () => event), 40, true)).toEqual({ out: 20 * event.length });
    expect(await through([`data: ${'x'.repeat(30)}\r\n\r\n`, `data: ${'y'.repeat(30)}\r\n\r\n`], 40, true)).toEqual({ out: 2 * 40 });
  });

  it.each([
    ['LF then CR', '\n\r'],
    ['CRLF then CR', '\r\n\r'],
    ['CR then CRLF', '\r\r\n'],
  ])('takes %s as the end of an event (any two line ends in a row)', async (_name, ending) => {
    const event = `data: ${'x'.repeat(20)}${ending}`;
    expect(await through(Array.from({ length: 5 }, () => event), 40, true)).toEqual({ out: 5 * event.length });
  });

  it('finds a bare-CR blank line cut between two chunks', async () => {
    const chunks = Array.from({ length: 5 }, () => [`data: ${'x'.repeat(20)}\r`, '\r']).flat();
    expect(await through(chunks, 40, true)).toEqual({ out: 5 * 28 });
  });

  it('takes bare carriage returns as line ends too', async () => {
    expect(await through(Array.from({ length: 5 }, () => `data: ${'x'.repeat(20)}\r\r`), 40, true)).toEqual({ out: 5 * 28 });
  });

  it('finds a blank line cut between two chunks', async () => {
    expect(await through([`data: ${'x'.repeat(30)}\n`, `\ndata: ${'y'.repeat(30)}\n\n`], 40, true)).toEqual({ out: 76 });
    expect(await through([`data: ${'x'.repeat(30)}\r\n`, `\r\ndata: ${'y'.repeat(30)}\r\n\r\n`], 44, true)).toEqual({ out: 80 });
  });

  it('fails an event that grows past the bound, however it is cut', async () => {
    expect(await through(['data: ', 'x'.repeat(30), 'x'.repeat(30)], 40, true)).toEqual({ error: 'upstream event exceeds 40 bytes' });
    expect(await through([`data: ok\n\ndata: ${'x'.repeat(50)}`], 40, true)).toEqual({ error: 'upstream event exceeds 40 bytes' });
  });

  it('bounds any other body as a whole', async () => {
    expect(await through(['{"a":', '"b"}'], 40, false)).toEqual({ out: 9 });
    expect(await through(['x'.repeat(30), '\n\n', 'x'.repeat(30)], 40, false)).toEqual({ error: 'upstream answer exceeds 40 bytes' });
  });
});
