import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/** One request a {@link Receiver} got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A local HTTP server standing in for the gateway admin API or a webhook target. */
export interface Receiver extends LoopbackListener {
  readonly requests: ReceivedRequest[];
  /** Status answered to every request from now on. */
  respondWith(status: number): void;
}

/** Starts a recording receiver on 127.0.0.1:0 that answers `status` (default 200). */
export async function startReceiver(status = 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let answer = status;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const listener = await listenOnLoopback(server);
  return {
    ...listener,
    requests,
    respondWith: (next) => {
      answer = next;
    },
  };
}
