import { createServer, type Server } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

/**
 * What a tools/call suffers on its way through the proxy: nothing, no answer, a connection cut
 * mid-answer, a body that is not JSON, or a well-formed answer nested `DEEP_LEVELS` deep (as JSON
 * or as an SSE event).
 */
export type Fault = 'none' | 'hang' | 'crash' | 'garbage' | 'deep' | 'deep-sse';

/** How deep the `deep` faults nest the result: far past the gateway's limit and V8's stack for `JSON.stringify`. */
export const DEEP_LEVELS = 20_000;

export interface FaultyProxy {
  listener: LoopbackListener;
  setFault(fault: Fault): void;
  /** Answers every tools/call with this result instead (a hostile upstream of the upstream's era), until undefined. */
  answerWith(result: Record<string, unknown> | undefined): void;
}

function deepAnswer(body: string): string {
  const id = JSON.stringify((JSON.parse(body) as { id: unknown }).id);
  return `{"jsonrpc":"2.0","id":${id},"result":{"content":[],"structuredContent":{"a":${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}}}}`;
}

/**
 * Forwards to a real upstream (`target`, its /mcp URL), except that tools/call requests suffer the
 * current fault. `buffer`: answers are held until complete, as a proxy that buffers responses
 * does (an SSE stream that stays open never arrives).
 */
export async function startFaultyProxy(target: string, options: { buffer?: boolean } = {}): Promise<FaultyProxy> {
  let fault: Fault = 'none';
  let answer: Record<string, unknown> | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (answer && body.includes('"tools/call"')) {
      const id = (JSON.parse(body) as { id: unknown }).id;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: answer }));
    }
    if (fault !== 'none' && body.includes('"tools/call"')) {
      if (fault === 'hang') return; // never answers
      if (fault === 'crash') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"jsonrpc":"2.0","id":');
        res.socket?.destroy();
        return;
      }
      if (fault === 'deep') return void res.writeHead(200, { 'content-type': 'application/json' }).end(deepAnswer(body));
      if (fault === 'deep-sse') return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`event: message\ndata: ${deepAnswer(body)}\n\n`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('<<garbage>> not json {');
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && !['host', 'content-length', 'connection'].includes(e[0])),
    );
    // Streamed through, not buffered: a 2026-era client's subscriptions/listen stream stays open, and
    // its acknowledgement must reach the gateway while it does (a buffering proxy held it until the
    // connect timed out, and the connect then raced that timeout).
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    try {
      const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? body : undefined, signal: controller.signal });
      if (options.buffer) {
        const text = await upstream.text();
        res.writeHead(upstream.status, Object.fromEntries(upstream.headers)).end(text);
        return;
      }
      res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      if (upstream.body) for await (const chunk of upstream.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  });
  return { listener: await listenOnLoopback(server), setFault: (f) => (fault = f), answerWith: (result) => (answer = result) };
}
