import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cancellation } from '@mcpgw/resilience';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';
import { exchange, MAX_UPSTREAM_RESPONSE_BYTES, UpstreamHttpError, UpstreamResponseError, UpstreamRpcError, type ExchangeSession } from './direct-exchange.js';
import { InFlightMap } from '../support/in-flight-map.js';

type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

let server: LoopbackListener;
let handler: Handler = () => undefined;
const seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
let delivered: Record<string, unknown>[] = [];
let responded: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = await listenOnLoopback(
    createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        seen.push({ headers: req.headers, body });
        handler(req, body, res);
      });
    }),
  );
});
afterAll(() => server.close());
afterEach(() => {
  seen.length = 0;
  delivered = [];
  responded = [];
});

const session = (overrides: Partial<ExchangeSession> = {}): ExchangeSession => ({
  url: `${server.url}/mcp`,
  headers: { 'x-upstream-key': 'configured' },
  sessionId: () => 'session-1',
  protocolVersion: () => '2025-11-25',
  deliver: (message) => delivered.push(message),
  respond: async (message) => {
    responded.push(message);
  },
  ...overrides,
});
const call = { id: 'gw-1', method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } };
const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
const sse = (res: ServerResponse, events: unknown[]) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) res.write(`event: message\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
};
const cancellation = () => new Cancellation();

describe('direct exchange with a 2025-era Streamable HTTP upstream', () => {
  it('posts the request with the session, version and static headers and returns the result unchanged', async () => {
    const result = { content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 }, isError: false, extra: 'kept' };
    handler = (_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: body['id'], result });
    await expect(exchange(session(), call, { cancellation: cancellation() })).resolves.toEqual(result);
    const [request] = seen;
    expect(request?.body).toEqual({ jsonrpc: '2.0', ...call });
    expect(request?.headers).toMatchObject({
      'mcp-session-id': 'session-1',
      'mcp-protocol-version': '2025-11-25',
      'x-upstream-key': 'configured',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    });
  });

  it('omits the session header when the upstream issued none', async () => {
    handler = (_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: body['id'], result: {} });
    await exchange(session({ sessionId: () => undefined }), call, { cancellation: cancellation() });
    expect(seen[0]?.headers['mcp-session-id']).toBeUndefined();
  });

  it("relays the upstream's JSON-RPC error with its own code, message and data", async () => {
    handler = (_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: body['id'], error: { code: -32000, message: 'tool exploded', data: { why: 'x' } } });
    const err = await exchange(session(), call, { cancellation: cancellation() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamRpcError);
    expect(err).toMatchObject({ code: -32000, message: 'tool exploded', data: { why: 'x' } });
  });

  it('reads an SSE answer: progress for this request to onprogress, other messages to the SDK client, then the result', async () => {
    handler = (_req, body, res) => {
      const id = body['id'];
      const token = (body['params'] as { _meta?: { progressToken?: unknown } })._meta?.progressToken;
      sse(res, [
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2, message: 'half' } },
        { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'someone-else', progress: 9 } },
        { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'done' }] } },
      ]);
    };
    const progress: unknown[] = [];
    const result = await exchange(session(), call, { cancellation: cancellation(), onprogress: (p) => progress.push(p) });
    expect(result).toEqual({ content: [{ type: 'text', text: 'done' }] });
    expect(progress).toEqual([{ progress: 1, total: 2, message: 'half' }]);
    expect((seen[0]?.body['params'] as { _meta: unknown })._meta).toEqual({ progressToken: 'gw-1' });
    expect(delivered.map((m) => m['method'])).toEqual(['notifications/tools/list_changed', 'notifications/progress']);
  });

  it('fails when an SSE stream ends without the response', async () => {
    handler = (_req, _body, res) => sse(res, [{ jsonrpc: '2.0', method: 'notifications/message', params: {} }]);
    await expect(exchange(session(), call, { cancellation: cancellation() })).rejects.toBeInstanceOf(UpstreamResponseError);
  });

  it.each([
    ['not JSON', (res: ServerResponse) => json(res, 200, '{"jsonrpc":')],
    ['a response to another id', (res: ServerResponse) => json(res, 200, { jsonrpc: '2.0', id: 'other', result: {} })],
    ['a non-object result', (res: ServerResponse) => json(res, 200, { jsonrpc: '2.0', id: 'gw-1', result: 'text' })],
    ['an error without a code', (res: ServerResponse) => json(res, 200, { jsonrpc: '2.0', id: 'gw-1', error: { message: 'x' } })],
    ['an unexpected content type', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')],
  ])('refuses garbage: %s', async (_name, answer) => {
    handler = (_req, _body, res) => answer(res);
    await expect(exchange(session(), call, { cancellation: cancellation() })).rejects.toBeInstanceOf(UpstreamResponseError);
  });

  it('refuses an answer larger than the limit without buffering all of it', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_UPSTREAM_RESPONSE_BYTES + chunk.length) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    };
    await expect(exchange(session(), call, { cancellation: cancellation() })).rejects.toThrow(/exceeds/);
  });

  it('reports an HTTP error status with the status (404 means the session is gone)', async () => {
    handler = (_req, _body, res) => json(res, 404, { error: 'Session not found' });
    const err = await exchange(session(), call, { cancellation: cancellation() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamHttpError);
    expect(err).toMatchObject({ status: 404 });
  });

  it('returns the answer of an SSE stream the upstream keeps open, without waiting for its end', async () => {
    let closed: Promise<void> = Promise.resolve();
    handler = (_req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body['id'], result: { ok: true } })}\n\n`);
      closed = new Promise((resolve) => res.once('close', () => resolve()));
    };
    await expect(exchange(session(), call, { cancellation: cancellation() })).resolves.toEqual({ ok: true });
    await closed; // the rest was not needed: the exchange let go of the response
  });

  it('keeps going when the progress consumer throws', async () => {
    handler = (_req, body, res) => {
      const token = (body['params'] as { _meta?: { progressToken?: unknown } })._meta?.progressToken;
      sse(res, [
        { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1 } },
        { jsonrpc: '2.0', id: body['id'], result: { ok: true } },
      ]);
    };
    const onprogress = () => {
      throw new Error('consumer broke');
    };
    await expect(exchange(session(), call, { cancellation: cancellation(), onprogress })).resolves.toEqual({ ok: true });
  });

  it('reports an error status promptly even when its body never ends', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('overloaded');
    };
    const err = await exchange(session(), call, { cancellation: cancellation() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503 });
  });

  it('leaves no listener on the caller cancellation once settled, whatever the outcome', async () => {
    const caller = new Cancellation();
    const added = vi.spyOn(caller, 'onAbort');
    handler = (_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: body['id'], result: {} });
    await exchange(session(), call, { cancellation: caller });
    handler = (_req, _body, res) => json(res, 500, {});
    await exchange(session(), call, { cancellation: caller }).catch(() => undefined);
    handler = (_req, _body, res) => json(res, 200, '{"jsonrpc":');
    await exchange(session(), call, { cancellation: caller }).catch(() => undefined);
    expect(added).toHaveBeenCalledTimes(3);
    expect(caller.listenerCount).toBe(0);
  });

  it.each([
    ['102 Processing', (res: ServerResponse) => res.writeProcessing()],
    ['103 Early Hints', (res: ServerResponse) => res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })],
  ])('reads the answer that follows an informational %s', async (_name, inform) => {
    handler = (_req, body, res) => {
      inform(res);
      json(res, 200, { jsonrpc: '2.0', id: body['id'], result: { ok: true } });
    };
    await expect(exchange(session(), call, { cancellation: cancellation() })).resolves.toEqual({ ok: true });
  });

  it("hands the upstream's log messages on this request's stream to onlog, rebuilt from level, logger and data", async () => {
    handler = (_req, body, res) =>
      sse(res, [
        { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: 'up', data: { n: 1 }, _meta: { forged: true }, extra: 1 } },
        { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'error', logger: 42, data: 'x' } },
        { jsonrpc: '2.0', method: 'notifications/message', params: { level: 7, data: 'no level' } },
        { jsonrpc: '2.0', id: body['id'], result: { ok: true } },
      ]);
    const logs: unknown[] = [];
    await expect(exchange(session(), call, { cancellation: cancellation(), onlog: (l) => logs.push(l) })).resolves.toEqual({ ok: true });
    expect(logs).toEqual([
      { level: 'info', logger: 'up', data: { n: 1 } },
      { level: 'error', data: 'x' },
    ]);
    expect(delivered).toEqual([]);
  });

  it('gives log messages to the SDK client when nobody relays them, and survives a throwing onlog', async () => {
    handler = (_req, body, res) =>
      sse(res, [
        { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } },
        { jsonrpc: '2.0', id: body['id'], result: { ok: true } },
      ]);
    await expect(exchange(session(), call, { cancellation: cancellation() })).resolves.toEqual({ ok: true });
    expect(delivered.map((m) => m['method'])).toEqual(['notifications/message']);
    const onlog = () => {
      throw new Error('consumer broke');
    };
    await expect(exchange(session(), call, { cancellation: cancellation(), onlog })).resolves.toEqual({ ok: true });
  });

  it("hands the upstream's sampling request to onrequest, and the answer back to the upstream with the upstream's id", async () => {
    handler = (_req, body, res) =>
      sse(res, [
        { jsonrpc: '2.0', id: 41, method: 'sampling/createMessage', params: { maxTokens: 5 } },
        { jsonrpc: '2.0', id: 42, method: 'roots/list' },
        { jsonrpc: '2.0', id: body['id'], result: { ok: true } },
      ]);
    const requests: Array<{ method: string; params: unknown }> = [];
    const onrequest = (request: { method: string; params: unknown; respond(answer: { result: Record<string, unknown> }): void }) => {
      requests.push({ method: request.method, params: request.params });
      request.respond({ result: { role: 'assistant' } });
    };
    await expect(exchange(session(), call, { cancellation: cancellation(), onrequest })).resolves.toEqual({ ok: true });
    expect(requests).toEqual([{ method: 'sampling/createMessage', params: { maxTokens: 5 } }]);
    expect(responded).toEqual([{ jsonrpc: '2.0', id: 41, result: { role: 'assistant' } }]);
    // A request the gateway does not relay stays the SDK client's to answer.
    expect(delivered.map((m) => m['method'])).toEqual(['roots/list']);
  });

  it('rejects, never throws, when the request cannot even be built', async () => {
    const broken = session({ url: 'not a url' });
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = exchange(broken, call, { cancellation: cancellation() });
    }).not.toThrow();
    await expect(pending).rejects.toThrow();
  });

  it('rejects with the reason at once when the call was already cancelled, sending nothing', async () => {
    const caller = new Cancellation();
    caller.abort(new Error('cancelled before it started'));
    await expect(exchange(session(), call, { cancellation: caller })).rejects.toThrow('cancelled before it started');
    expect(seen).toHaveLength(0);
  });

  it('stops waiting when the call is cancelled', async () => {
    handler = () => undefined; // never answers
    const caller = new Cancellation();
    const pending = exchange(session(), call, { cancellation: caller });
    await new Promise((r) => setTimeout(r, 50));
    caller.abort(new Error('client cancelled'));
    await expect(pending).rejects.toThrow('client cancelled');
  });

  it("drops the connection of an error answer whose body stalls, since the pool's body timeout is off", async () => {
    let closed: () => void = () => undefined;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    handler = (req, _body, res) => {
      req.socket.once('close', () => closed());
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('part of it');
    };
    const started = Date.now();
    await expect(exchange(session(), call, { cancellation: cancellation() })).rejects.toBeInstanceOf(UpstreamHttpError);
    await socketClosed;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("is not cut by the pool's header and body timeouts: the call's own limits time it", async () => {
    // undici checks its timeouts on a 500 ms tick, so its 50 ms ones fire within a second.
    const late = 1_300;
    handler = (_req, body, res) => {
      const answer = { jsonrpc: '2.0', id: body['id'], result: { late: body['method'] } };
      if (body['method'] === 'headers/late') return void setTimeout(() => json(res, 200, answer), late);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.end(`event: message\ndata: ${JSON.stringify(answer)}\n\n`), late);
    };
    const impatient = new Agent({ headersTimeout: 50, bodyTimeout: 50 });
    try {
      const answers = await Promise.all(
        ['headers/late', 'body/late'].map((method) => exchange(session(), { ...call, method }, { cancellation: cancellation(), dispatcher: impatient })),
      );
      expect(answers).toEqual([{ late: 'headers/late' }, { late: 'body/late' }]);
    } finally {
      await impatient.close();
    }
  });

  describe('idle wait', () => {
    const idle = (ms: number) => ({ ms, error: () => new Error(`silent for ${ms} ms`) });
    /** An SSE stream that writes `event(i)` every 60 ms, 12 times, then the answer. */
    const paced = (event: (i: number, token: unknown) => string) => {
      handler = (_req, body, res) => {
        const token = (body['params'] as { _meta?: { progressToken?: unknown } })._meta?.progressToken;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const timer = setInterval(() => {
          i += 1;
          if (i > 12) {
            clearInterval(timer);
            res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body['id'], result: { ok: true } })}\n\n`);
          } else res.write(event(i, token));
        }, 60);
        res.once('close', () => clearInterval(timer));
      };
    };
    const message = (item: unknown) => `event: message\ndata: ${JSON.stringify(item)}\n\n`;

    it('fails an upstream that sends nothing for the idle time', async () => {
      handler = () => undefined;
      await expect(exchange(session(), call, { cancellation: cancellation(), idle: idle(150) })).rejects.toThrow('silent for 150 ms');
    });

    it("starts again at each progress or log message of the call's own", async () => {
      paced((i, token) => message(i % 2 ? { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: i } } : { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: i } }));
      const options = { cancellation: cancellation(), idle: idle(250), onprogress: () => undefined, onlog: () => undefined };
      await expect(exchange(session(), call, options)).resolves.toEqual({ ok: true });
    });

    it("starts again at the call's log messages even when nobody relays them", async () => {
      paced(() => message({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } }));
      await expect(exchange(session(), call, { cancellation: cancellation(), idle: idle(250) })).resolves.toEqual({ ok: true });
    });

    it('does not start again for keep-alive events or messages of other requests', async () => {
      for (const event of [
        () => 'event: ping\ndata: {}\n\n',
        () => ': keep-alive\n\n',
        (i: number) => message({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'someone-else', progress: i } }),
      ]) {
        paced(event);
        const options = { cancellation: cancellation(), idle: idle(250), onprogress: () => undefined, onlog: () => undefined };
        await expect(exchange(session(), call, options)).rejects.toThrow('silent for 250 ms');
      }
    });

    it('stops while a relayed request waits for the client, and starts again once it is answered', async () => {
      handler = (_req, body, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(message({ jsonrpc: '2.0', id: 7, method: 'elicitation/create', params: { message: 'Sure?', requestedSchema: { type: 'object', properties: {} } } }));
        // the answer comes 300 ms after the client's reply, longer than the idle wait: that must fail
        res.once('close', () => undefined);
      };
      const started = Date.now();
      const outcome = exchange(session(), call, {
        cancellation: cancellation(),
        idle: idle(200),
        onrequest: (request) => setTimeout(() => request.respond({ result: { action: 'accept' } }), 500),
      });
      await expect(outcome).rejects.toThrow('silent for 200 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(650); // 500 waiting on the client + 200 idle, not 200
      expect(responded).toEqual([{ jsonrpc: '2.0', id: 7, result: { action: 'accept' } }]);
    });

    it('leaves no timer and no entry in the in-flight set once settled', async () => {
      handler = (_req, body, res) => json(res, 200, { jsonrpc: '2.0', id: body['id'], result: { ok: true } });
      const inFlight = new InFlightMap<string, (err: Error) => void>();
      await expect(exchange(session(), call, { cancellation: cancellation(), idle: idle(100), inFlight })).resolves.toEqual({ ok: true });
      expect(inFlight.size).toBe(0);
      await new Promise((r) => setTimeout(r, 150)); // an idle timer left armed would throw here
    });
  });

  it('fails at once through its in-flight entry (the connection is closing)', async () => {
    handler = () => undefined;
    const inFlight = new InFlightMap<string, (err: Error) => void>();
    const pending = exchange(session(), call, { cancellation: cancellation(), inFlight });
    await new Promise((r) => setTimeout(r, 50));
    expect(inFlight.size).toBe(1);
    for (const fail of inFlight.values()) fail(new Error('upstream removed'));
    await expect(pending).rejects.toThrow('upstream removed');
    expect(inFlight.size).toBe(0);
  });
});
