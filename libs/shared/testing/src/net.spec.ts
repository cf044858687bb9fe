import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort, listenOnLoopback } from './net.js';

describe('listenOnLoopback', () => {
  it('serves on an ephemeral 127.0.0.1 port and closes even with a keep-alive connection open', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const listener = await listenOnLoopback(server);
    expect(listener.port).toBeGreaterThan(0);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}`);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port: listener.port });

    const res = await fetch(listener.url, { headers: { connection: 'keep-alive' } });
    expect(await res.text()).toBe('ok');

    await listener.close();
    expect(server.listening).toBe(false);
    await expect(fetch(listener.url)).rejects.toThrow();
    await listener.close(); // idempotent
  });

  it('rejects when the server cannot listen', async () => {
    const server = createServer();
    const listener = await listenOnLoopback(server);
    try {
      // Listening twice on one server is an error Node reports through the 'error' event.
      await expect(listenOnLoopback(server)).rejects.toThrow();
    } finally {
      await listener.close();
    }
  });
});

describe('getFreePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await getFreePort();
    expect(port).toBeGreaterThan(0);
    const server = createTcpServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
