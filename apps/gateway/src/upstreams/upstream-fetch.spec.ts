import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followersOf, upstreamFetch } from './upstream-fetch.js';

/** A server that answers each request only when told to (or never). */
async function heldServer() {
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    held,
    answerAll: () => {
      for (const res of held.splice(0)) res.writeHead(202).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
}

describe('upstreamFetch', () => {
  it('keeps one listener on the caller’s long-lived signal however many requests are in flight', async () => {
    const server = await heldServer();
    cleanups.push(server.close);
    const transport = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    cleanups.push(async () => void process.off('warning', onWarning));

    const calls = Array.from({ length: 25 }, () =>
      upstreamFetch(server.url, { method: 'POST', body: '{}', signal: transport.signal }),
    );
    await until(() => server.held.length === 25);
    expect(getEventListeners(transport.signal, 'abort')).toHaveLength(1);
    expect(followersOf(transport.signal)).toBe(25);
    server.answerAll();
    const responses = await Promise.all(calls);
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 25 }, () => 202));
    // A request leaves the signal's followers once its body is done.
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    await until(() => followersOf(transport.signal) === 0);
    expect(followersOf(transport.signal)).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('aborts every request in flight when the caller’s signal aborts; a finished one no longer follows it', async () => {
    const server = await heldServer();
    cleanups.push(server.close);
    const transport = new AbortController();
    const finished = await (async () => {
      const call = upstreamFetch(server.url, {
        method: 'POST',
        body: '{}',
        signal: transport.signal,
      });
      await until(() => server.held.length === 1);
      server.answerAll();
      return call;
    })();
    expect(finished.status).toBe(202);
    expect(await finished.text()).toBe('');
    await until(() => followersOf(transport.signal) === 0);

    const pending = Array.from({ length: 3 }, () =>
      upstreamFetch(server.url, { method: 'POST', body: '{}', signal: transport.signal }).then(
        () => 'answered',
        (err: unknown) => (err as Error).name,
      ),
    );
    await until(() => server.held.length === 3);
    expect(followersOf(transport.signal)).toBe(3);
    transport.abort(new Error('transport closed'));
    expect(await Promise.all(pending)).toEqual(['Error', 'Error', 'Error']);
    expect(followersOf(transport.signal)).toBe(0);
  });
});
