/**
 * The benchmark's floor: the least an MCP proxy does for a forwarded `tools/call`, on the same
 * machine, core and Node as the gateway. It reads the JSON-RPC request, strips the `<upstream>__`
 * prefix from the tool name, forwards it over an undici keep-alive pool, parses the upstream's
 * JSON answer and sends it back. No authentication, policy, limits, audit, logs or metrics.
 *
 * What it is for: the added latency the gateway is measured against includes costs that are not
 * the gateway's (another loopback hop each way, another process to wake on another core, a
 * machine that charges more CPU per request when it is not busy). Measured side by side, at the
 * same rates, the floor shows how much of "added latency" any proxy pays here, and the gap between
 * the floor and the gateway is what the gateway's own work costs.
 *
 * Usage: node --import tsx tools/bench/floor-proxy.ts <port> <upstream origin>
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'undici';

const [portArg, upstreamOrigin] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !upstreamOrigin)
  throw new Error('usage: floor-proxy.ts <port> <upstream origin>');

const pool = new Pool(upstreamOrigin, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const FORWARDED_HEADERS = ['content-type', 'accept', 'mcp-protocol-version'] as const;

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    params?: { name?: unknown };
  };
  if (message.params && typeof message.params.name === 'string') {
    const name = message.params.name;
    message.params.name = name.slice(name.indexOf('__') + 2);
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const upstream = await pool.request({
    path: '/mcp',
    method: 'POST',
    headers,
    body: JSON.stringify(message),
  });
  const answer: unknown = await upstream.body.json();
  reply(res, upstream.statusCode, JSON.stringify(answer));
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    // Readiness probe of the benchmark (any answer will do).
    reply(res, 405, '{"error":"POST only"}');
    return;
  }
  forward(req, res).catch((err: unknown) => {
    if (!res.headersSent) reply(res, 502, JSON.stringify({ error: String(err) }));
    else res.destroy();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ message: 'listening', url: `http://127.0.0.1:${port}` }));
});
const stop = () => server.close(() => void pool.close().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
