import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  host: string;
  port: number;
  /** Keep-alive idle timeout; longer than typical load balancer idle timeouts. */
  keepAliveTimeoutMs?: number;
  /** Whole-request timeout (headers + body); 0 disables it for streaming endpoints. */
  requestTimeoutMs?: number;
}

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
  const server = createServer(handler);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.headersTimeout = Math.min(server.keepAliveTimeout + 1000, 66_000);
  server.requestTimeout = options.requestTimeoutMs ?? 0;
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
