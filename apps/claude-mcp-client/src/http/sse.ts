import type { Response } from 'express';

/** A server-sent event stream on one response. */
export interface SseStream {
  /** Writes one event (`event:` name and a JSON `data:` line); ignored once the stream is closed. */
  send(event: string, data: unknown): void;
  /** Ends the stream. */
  end(): void;
  readonly closed: boolean;
}

const HEARTBEAT_MS = 15_000;

/**
 * Starts an SSE response: `text/event-stream`, no caching or proxy buffering, headers flushed
 * at once, and a comment line every 15 s so idle proxies keep the connection while tools run.
 * JSON data never contains a raw new line, so each event is exactly one `data:` line.
 */
export function startSse(res: Response): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  let closed = false;
  const heartbeat = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    closed = true;
    clearInterval(heartbeat);
  };
  res.once('close', stop);
  return {
    send(event, data) {
      if (closed || res.writableEnded) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      stop();
      if (!res.writableEnded) res.end();
    },
    get closed() {
      return closed || res.writableEnded;
    },
  };
}
