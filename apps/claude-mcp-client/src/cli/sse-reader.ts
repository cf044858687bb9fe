/** One server-sent event: its name (`message` when unnamed) and its data lines joined. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * An incremental parser of `text/event-stream` (WHATWG HTML §9.2): feed it text as it arrives,
 * get back the events completed so far. Comment lines (heartbeats) are skipped.
 */
export class SseParser {
  private buffer = '';

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      // A trailing CR may be the first half of a CRLF split across chunks: keep it for later.
      const held = this.buffer.endsWith('\r') ? '\r' : '';
      const normalized = this.buffer.slice(0, this.buffer.length - held.length).replace(/\r\n?/g, '\n');
      const end = normalized.indexOf('\n\n');
      if (end < 0) {
        this.buffer = normalized + held;
        return events;
      }
      this.buffer = normalized.slice(end + 2) + held;
      const event = parseBlock(normalized.slice(0, end));
      if (event) events.push(event);
    }
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : undefined;
}

/** Reads a fetch response body as server-sent events. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    yield* parser.feed(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.feed(decoder.decode() + '\n\n');
}
