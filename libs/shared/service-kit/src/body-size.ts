import type { IncomingMessage } from 'node:http';

const sizes = new WeakMap<IncomingMessage, number>();

/** The JSON parser's `verify` hook: remembers how many bytes the request's body had. */
export function recordBodySize(req: IncomingMessage, _res: unknown, body: Buffer): void {
  sizes.set(req, body.length);
}

/**
 * How many bytes the request's JSON body had as received (undefined when none was parsed): for
 * limits that depend on the caller, known only after authentication (a client's own maximum).
 */
export function requestBodySize(req: IncomingMessage): number | undefined {
  return sizes.get(req);
}
