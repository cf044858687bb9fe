import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A scriptable SentraIP stand-in for unit tests of the HTTP clients (status codes, hangs, bodies). */
export interface FakeSentraip {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Highest number of requests in flight at once. */
  readonly maxInFlight: number;
  /** Requests whose client went away before an answer (aborted by a timeout). */
  readonly aborted: number;
  handle(handler: FakeHandler): void;
  close(): Promise<void>;
}

export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Never answers; the client has to give up. */
export const hang: FakeHandler = () => new Promise<void>(() => undefined);

export async function startFakeSentraip(): Promise<FakeSentraip> {
  let handler: FakeHandler = (_req, res) => json(res, 404, { error: 'not_found' });
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let aborted = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inFlight--;
        if (!res.writableEnded) aborted++;
      };
      res.once('finish', finish);
      res.once('close', finish);
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, res)).catch(() => res.destroy());
    });
  });
  const listener: LoopbackListener = await listenOnLoopback(server);
  return {
    url: listener.url,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get aborted() {
      return aborted;
    },
    handle: (next) => {
      handler = next;
    },
    close: () => listener.close(),
  };
}
