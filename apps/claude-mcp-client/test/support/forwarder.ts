import { createServer, request } from 'node:http';
import { listenOnLoopback } from '@mcpgw/testing';

/** A loopback HTTP forwarder whose target can change: the gateway's fixed CHAT_URL for chat apps started later. */
export interface Forwarder {
  readonly url: string;
  setTarget(url: string | undefined): void;
  close(): Promise<void>;
}

export async function startForwarder(): Promise<Forwarder> {
  let target: URL | undefined;
  const server = createServer((req, res) => {
    if (!target) {
      res.writeHead(502).end();
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const listener = await listenOnLoopback(server);
  return {
    url: listener.url,
    setTarget: (url) => {
      target = url ? new URL(url) : undefined;
    },
    close: () => listener.close(),
  };
}
