import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/** A server listening on an ephemeral loopback port, see {@link listenOnLoopback}. */
export interface LoopbackListener {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops listening and drops open (keep-alive) connections so teardown never waits on them. */
  close(): Promise<void>;
}

/** Starts `server` on `127.0.0.1:0` (an ephemeral port chosen by the kernel). */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Returns a loopback port that was free a moment ago. Prefer {@link listenOnLoopback} (no race);
 * use this only for child processes that must be told their port up front (redis-server).
 */
export async function getFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
