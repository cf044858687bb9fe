import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen } from './http-server.js';

describe('listen', () => {
  it('answers 408 and closes the connection of a client that does not finish sending its request', async () => {
    // answers once the whole body is in, as a JSON handler does
    const server = await listen((req, res) => req.resume().once('end', () => res.end('ok')), { host: '127.0.0.1', port: 0, requestTimeoutMs: 500 });
    try {
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // headers promise 100 bytes of body; only 10 ever come
      socket.write('POST /x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":"12"');
      const started = Date.now();
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(server.inFlight()).toBe(0);
    } finally {
      await server.drain(0);
    }
  });

  it('does not limit how long an answer streams', async () => {
    const server = await listen(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write('data: tick\n\n'), 100);
        setTimeout(() => {
          clearInterval(timer);
          res.end();
        }, 1_200);
      },
      { host: '127.0.0.1', port: 0, requestTimeoutMs: 300 },
    );
    try {
      const response = await fetch(`${server.url}/events`);
      const body = await response.text();
      expect(response.status).toBe(200);
      expect(body.split('data: tick').length - 1).toBeGreaterThanOrEqual(8);
    } finally {
      await server.drain(0);
    }
  });
});
