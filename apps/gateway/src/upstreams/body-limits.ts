import { Transform, type TransformCallback } from 'node:stream';
import { UpstreamResponseError } from './upstream-response.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Fails an upstream's response body that grows past `max` bytes without a break: for an event
 * stream, a single event (the bytes since the last blank line; the stream itself may run for
 * days), for any other body, the whole of it. What the SDK's transports read is then as bounded
 * as what the direct exchange reads (ADR 0007).
 */
export function bodyLimit(max: number, eventStream: boolean): Transform {
  let pending = 0;
  /** The previous chunk's last byte: a line end there and one at this chunk's start make a blank line. */
  let lastByte = -1;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      if (eventStream) {
        const boundary = lastEventBoundary(chunk, lastByte);
        pending = boundary >= 0 ? chunk.length - boundary : pending + chunk.length;
        lastByte = chunk[chunk.length - 1] ?? lastByte;
      } else pending += chunk.length;
      if (pending > max) return done(new UpstreamResponseError(eventStream ? `upstream event exceeds ${max} bytes` : `upstream answer exceeds ${max} bytes`));
      done(null, chunk);
    },
  });
}

/**
 * Where the bytes after the last blank line of `chunk` start, or -1. SSE lines end with CRLF, LF
 * or CR, so two line ends in a row are a blank line: any two bytes of CR and LF next to each
 * other, except CR then LF (one CRLF). The three pairs that qualify are LF LF, CR CR and LF CR.
 */
function lastEventBoundary(chunk: Buffer, previousByte: number): number {
  const pair = Math.max(chunk.lastIndexOf('\n\n'), chunk.lastIndexOf('\r\r'), chunk.lastIndexOf('\n\r'));
  if (pair >= 0) return pair + 2;
  // A blank line cut between two chunks.
  const first = chunk[0];
  if ((previousByte === LF || previousByte === CR) && (first === LF || first === CR) && !(previousByte === CR && first === LF)) return 1;
  return -1;
}
