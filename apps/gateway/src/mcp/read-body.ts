import type { IncomingMessage } from 'node:http';

/** The body crossed the limit: answered with 413 as soon as that is known. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * The request ended before its body did: the client went away, or the server's request timeout
 * (408) cut it off. Nobody is left to answer.
 */
export class BodyIncompleteError extends Error {
  constructor(cause?: Error) {
    super('the request ended before its body was complete', { cause });
    this.name = 'BodyIncompleteError';
  }
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit fails before
 * reading anything; a streamed body fails the moment it crosses the limit (nothing more is kept).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  // Gone while the request waited for its turn (admission): no 'close' will come any more.
  if (req.destroyed) return Promise.reject(new BodyIncompleteError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    // An aborted request emits 'error' (ECONNRESET) or only 'close': either way the body is lost.
    const onError = (err?: Error) => {
      cleanup();
      reject(new BodyIncompleteError(err));
    };
    const onClose = () => onError();
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
