/**
 * A throw-away redis-server for one benchmark scenario: no persistence, loopback only, on a free
 * port, optionally pinned to a core. Fresh per scenario so tool pins and buckets of one scenario
 * never leak into the next.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { canPin, freePort } from './processes.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface BenchRedis {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Whether `PING` on 127.0.0.1:`port` answers `+PONG`. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => done(data.toString('latin1').startsWith('+PONG')));
  });
}

export async function startRedis(
  options: { cpu?: number; timeoutMs?: number } = {},
): Promise<BenchRedis> {
  const port = await freePort();
  const argv = [
    REDIS_SERVER,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const [command = REDIS_SERVER, ...args] =
    canPin && options.cpu !== undefined ? ['taskset', '-c', String(options.cpu), ...argv] : argv;
  const child = spawn(command, args, { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );
  child.once('error', () => (exited = true));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await pong(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `redis-server (${REDIS_SERVER}) ${exited ? 'exited early' : 'did not answer in time'}`,
      );
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    },
  };
}
