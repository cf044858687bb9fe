import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithRedis,
  findRedisBinary,
  pingRedis,
  redisAvailability,
  startRedisServer,
  type RedisServerHandle,
} from './redis-server.js';

const binaryAvailable = redisAvailability({ requireBinary: true }).available;

describe.skipIf(!binaryAvailable)('startRedisServer', () => {
  const started: RedisServerHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });

  it('spawns redis-server on 127.0.0.1 that answers PING, and stops it', async () => {
    const server = await startRedisServer();
    started.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.running).toBe(true);
    expect(await pingRedis(server.port)).toBe(true);

    await server.stop();
    expect(server.running).toBe(false);
    expect(await pingRedis(server.port)).toBe(false);
    await server.stop(); // idempotent
  });

  it('kill() crashes it and restart() brings it back on the same port', async () => {
    const server = await startRedisServer();
    started.push(server);
    const port = server.port;
    await server.kill();
    expect(server.running).toBe(false);
    expect(await pingRedis(port)).toBe(false);

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.running).toBe(true);
    expect(await pingRedis(port)).toBe(true);
  });

  it('pause() makes it hang without closing sockets; resume() lets it answer again', async () => {
    const server = await startRedisServer();
    started.push(server);
    await server.pause();
    expect(server.running).toBe(true);
    expect(await pingRedis(server.port, 200)).toBe(false);
    await server.resume();
    expect(await pingRedis(server.port, 1_000)).toBe(true);
  });

  it('stop() also ends a paused server', async () => {
    const server = await startRedisServer();
    started.push(server);
    await server.pause();
    await server.stop();
    expect(server.running).toBe(false);
  });

  describe('start-up failures', () => {
    let blocker: Server;
    let blockedPort: number;
    beforeAll(async () => {
      // Destroy accepted sockets at once: a paused, unread socket would keep close() waiting.
      blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
      const address = blocker.address();
      blockedPort = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    });

    it('rejects with the server output when the port is taken', async () => {
      await expect(startRedisServer({ port: blockedPort })).rejects.toThrow(
        /exited during start-up[\s\S]*in use/,
      );
    });

    it('rejects when the binary does not exist', async () => {
      await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
        /cannot spawn/,
      );
    });
  });

  it('kills servers still running when the test process exits', async () => {
    const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
    const moduleUrl = new URL('./redis-server.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(moduleUrl)}).then(async (m) => {
      const s = await m.startRedisServer();
      process.stdout.write(String(s.port) + '\\n');
      process.exit(0);
    });`;
    const child = spawn(process.execPath, [tsxCli, '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(exitCode).toBe(0);
    const port = Number(out.trim());
    expect(port).toBeGreaterThan(0);
    expect(await pingRedis(port)).toBe(false);
  });
});

describe('redisAvailability', () => {
  it('prefers REDIS_URL', () => {
    expect(
      redisAvailability({ env: { redisUrl: 'redis://127.0.0.1:1', ci: false, pathDirs: [] } }),
    ).toEqual({
      available: true,
      source: 'url',
      url: 'redis://127.0.0.1:1',
    });
  });

  it('ignores REDIS_URL when the suite needs a binary it can stop', () => {
    const result = redisAvailability({
      env: { redisUrl: 'redis://127.0.0.1:1', ci: false, pathDirs: [] },
      requireBinary: true,
    });
    expect(result).toMatchObject({ available: false });
  });

  it('reports why Redis is unavailable outside CI', () => {
    const result = redisAvailability({ env: { redisUrl: undefined, ci: false, pathDirs: [] } });
    expect(result).toEqual({
      available: false,
      reason: 'redis-server not found on PATH and REDIS_URL is not set',
    });
  });

  it('throws under CI instead of skipping', () => {
    expect(() =>
      redisAvailability({ env: { redisUrl: undefined, ci: true, pathDirs: [] } }),
    ).toThrow(/required in CI/);
  });

  describe('findRedisBinary', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'redis-bin-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('finds only an executable named redis-server', () => {
      const file = join(dir, 'redis-server');
      writeFileSync(file, '#!/bin/sh\n');
      chmodSync(file, 0o644);
      expect(findRedisBinary(['', dir])).toBeUndefined();
      chmodSync(file, 0o755);
      expect(findRedisBinary(['', dir])).toBe(file);
      expect(
        redisAvailability({ env: { redisUrl: undefined, ci: true, pathDirs: [dir] } }),
      ).toEqual({
        available: true,
        source: 'binary',
        binary: file,
      });
    });
  });
});

describe('describeWithRedis', () => {
  describeWithRedis(
    'when Redis is unavailable',
    () => {
      it('is skipped, so this failing test never runs', () => {
        expect.unreachable('a suite without Redis must be skipped');
      });
    },
    { env: { redisUrl: undefined, ci: false, pathDirs: [] } },
  );

  describeWithRedis('when Redis is available', (redis) => {
    it('provides a reachable server', async () => {
      const port = Number(new URL(redis.url).port);
      expect(await pingRedis(port)).toBe(true);
    });
  });
});
