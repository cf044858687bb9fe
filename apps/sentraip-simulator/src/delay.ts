import type { Request } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';

/** Longest a "hanging" endpoint holds a request, so a forgotten client never pins it forever. */
export const HANG_MAX_MS = 30_000;

/** Waits `ms` (the `latency_ms` fault). */
export function pause(ms: number): Promise<void> {
  return sleep(ms).then(() => undefined);
}

/** Resolves when the client closes the request, or after {@link HANG_MAX_MS}. */
export function holdUntilClientLeaves(req: Request, maxMs = HANG_MAX_MS): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, maxMs);
    function done(): void {
      clearTimeout(timer);
      req.socket.off('close', done);
      resolve();
    }
    if (req.socket.destroyed) done();
    else req.socket.once('close', done);
  });
}
