import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from './sse-reader.js';

describe('SseParser', () => {
  it('parses named events split across chunks, CRLF line ends, comments and multi-line data', () => {
    const parser = new SseParser();
    const events = [
      ...parser.feed('event: text\ndata: {"delta":"He'),
      ...parser.feed('llo"}\n\n: keep-alive\n\nevent: message\r'),
      ...parser.feed('\ndata: line one\r\ndata: line two\r\n\r\n'),
      ...parser.feed('data: unnamed\n\n'),
    ];
    expect(events).toEqual([
      { event: 'text', data: '{"delta":"Hello"}' },
      { event: 'message', data: 'line one\nline two' },
      { event: 'message', data: 'unnamed' },
    ]);
  });

  it('reads a response body to the end, including an event without the final blank line', async () => {
    const body = new Response('event: a\ndata: 1\n\nevent: b\ndata: 2').body!;
    const seen: string[] = [];
    for await (const e of readSse(body)) seen.push(`${e.event}=${e.data}`);
    expect(seen).toEqual(['a=1', 'b=2']);
  });
});
