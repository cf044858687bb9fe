import { createServer } from 'node:http';
import { listenOnLoopback } from '@mcpgw/testing';
import type { AuditEvent } from '@mcpgw/tool-schemas';

/** Stands in for the collector's `POST /v1/events`: the gateway's audit trail, as shipped. */
export interface AuditReceiver {
  readonly url: string;
  readonly events: AuditEvent[];
  close(): Promise<void>;
}

export async function startAuditReceiver(): Promise<AuditReceiver> {
  const events: AuditEvent[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/events') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: AuditEvent[] };
      events.push(...body.events);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: body.events.length, duplicates: 0, rejected: [] }));
    });
  });
  const listener = await listenOnLoopback(server);
  return { url: listener.url, events, close: () => listener.close() };
}
