import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent } from '@mcpgw/tool-schemas';

/** A test receiver standing in for the collector's `POST /v1/events`. */
export interface CollectorReceiver {
  readonly url: string;
  /** Every event received, duplicates included, in arrival order. */
  readonly received: AuditEvent[];
  /** When each of `received` arrived (`performance.now()`, same order). */
  readonly receivedAt: number[];
  /** Authorization headers of the batches. */
  readonly authorizations: Array<string | undefined>;
  /** Batches answered with a failure (after reading them: the events did arrive). */
  failed: number;
  /** Batches answered 400 because the body was not JSON (nothing of them is taken, as the collector does). */
  refused: number;
  /** The next `n` batches are read and then answered 503, so the relay must send them again. */
  failNext(n: number): void;
  /** Distinct event ids received. */
  ids(): Set<string>;
  close(): Promise<void>;
}

/**
 * Starts the receiver. With `holdMs`, each batch is held that long before it is taken in, and a
 * batch whose sender went away meanwhile is not taken (as a collector that never finished it).
 */
export async function startCollectorReceiver(
  options: { holdMs?: number } = {},
): Promise<CollectorReceiver> {
  let failing = 0;
  const receiver = {
    received: [] as AuditEvent[],
    receivedAt: [] as number[],
    authorizations: [] as Array<string | undefined>,
    failed: 0,
    refused: 0,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void take());
    const take = async () => {
      if (options.holdMs) await new Promise((resolve) => setTimeout(resolve, options.holdMs));
      if (res.destroyed) return;
      if (req.method !== 'POST' || req.url !== '/v1/events') {
        res.writeHead(404).end();
        return;
      }
      let body: { events: AuditEvent[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: AuditEvent[] };
      } catch {
        receiver.refused += 1;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"INVALID_JSON"}');
        return;
      }
      receiver.received.push(...body.events);
      const now = performance.now();
      for (let i = 0; i < body.events.length; i += 1) receiver.receivedAt.push(now);
      receiver.authorizations.push(req.headers.authorization);
      if (failing > 0) {
        failing -= 1;
        receiver.failed += 1;
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' })
          .end('{"error":"UNAVAILABLE"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ accepted: body.events.length, duplicates: 0, rejected: [] }));
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    failNext: (n: number) => {
      failing = n;
    },
    ids: () => new Set(receiver.received.map((e) => e.event_id)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
