import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  host: string;
  port: number;
  /** Keep-alive idle timeout; longer than typical load balancer idle timeouts. */
  keepAliveTimeoutMs?: number;
  /**
   * How long a client may take to send its whole request (headers and body): one that sends
   * headers and then trickles its body (or stops) would hold a connection and an in-flight slot
   * for good. Answers are not limited by it, so streamed responses (SSE) are unaffected.
   */
  requestTimeoutMs?: number;
}

/** Two minutes to send a request: far more than a 4 MiB body needs on any working link. */
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** In-flight HTTP requests right now. */
  inFlight(): number;
  /** Stops accepting, lets in-flight requests finish until `deadlineMs`, then cuts the rest. */
  drain(deadlineMs: number): Promise<{ drained: boolean }>;
}

/** Starts an HTTP server for a request listener and resolves once it is listening. */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<RunningServer> {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node checks the request and header timeouts at this interval (default 30 s): a quarter of
  // the shortest one keeps the overshoot small.
  const checkEvery = Math.max(100, Math.min(30_000, Math.floor(requestTimeout / 4)));
  const server = createServer({ connectionsCheckingInterval: checkEvery }, handler);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.headersTimeout = Math.min(server.keepAliveTimeout + 1000, 66_000, requestTimeout);
  server.requestTimeout = requestTimeout;
  let active = 0;
  server.on('request', (_req, res) => {
    active += 1;
    let counted = true;
    const done = () => {
      if (counted) {
        counted = false;
        active -= 1;
      }
    };
    res.once('finish', done);
    res.once('close', done);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    inFlight: () => active,
    async drain(deadlineMs: number) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A finished request leaves an idle keep-alive socket behind; close those as they appear.
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), deadlineMs);
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
      clearInterval(sweeper);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        server.closeAllConnections();
        await closed;
      }
      return { drained: outcome === 'closed' };
    },
  };
}
