import { Transform, type TransformCallback } from 'node:stream';
import { UpstreamResponseError } from './upstream-response.js';

const LF = 0x0a;

/**
 * Fails an upstream's response body that grows past `max` bytes without a break: for an event
 * stream, a single event (the bytes since the last blank line; the stream itself may run for
 * days), for any other body, the whole of it. What the SDK's transports read is then as bounded
 * as what the direct exchange reads (ADR 0007).
 */
export function bodyLimit(max: number, eventStream: boolean): Transform {
  let pending = 0;
  let endedWithLf = false;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      if (eventStream) {
        const boundary = lastEventBoundary(chunk, endedWithLf);
        pending = boundary >= 0 ? chunk.length - boundary : pending + chunk.length;
        endedWithLf = chunk[chunk.length - 1] === LF;
      } else pending += chunk.length;
      if (pending > max) return done(new UpstreamResponseError(eventStream ? `upstream event exceeds ${max} bytes` : `upstream answer exceeds ${max} bytes`));
      done(null, chunk);
    },
  });
}

/** Where the bytes after the last blank line (`\n\n`, `\n\r\n` or `\r\r`) of `chunk` start, or -1. */
function lastEventBoundary(chunk: Buffer, previousEndedWithLf: boolean): number {
  const lf = Math.max(chunk.lastIndexOf('\n\n'), chunk.lastIndexOf('\n\r\n'));
  const cr = chunk.lastIndexOf('\r\r');
  if (cr > lf) return cr + 2;
  if (lf >= 0) return lf + (chunk[lf + 1] === LF ? 2 : 3);
  // A blank line cut between two chunks.
  if (previousEndedWithLf && (chunk[0] === LF || (chunk[0] === 0x0d && chunk[1] === LF))) return chunk[0] === LF ? 1 : 2;
  return -1;
}
