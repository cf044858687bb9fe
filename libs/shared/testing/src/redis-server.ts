import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe } from 'vitest';
import { getFreePort } from './net.js';
import { readTestEnv, type TestEnv } from './test-env.js';

/** A `redis-server` child process started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Whether the process is currently alive (it may be paused). */
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after a bounded wait; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /**
   * Sends `signal` (default SIGKILL: a crash, no goodbye to clients). Terminating signals resolve
   * once the process has exited; SIGSTOP/SIGCONT resolve at once (see {@link pause}).
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after {@link pause}. */
  resume(): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it still runs). */
  restart(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Port to bind on 127.0.0.1; default: a free ephemeral port. */
  port?: number;
  /** Executable; default `redis-server` from PATH. */
  binary?: string;
  /** Bound on the wait for the first PONG; default 10 s. */
  startTimeoutMs?: number;
}

const STOP_GRACE_MS = 5_000;
const NON_TERMINATING = new Set<NodeJS.Signals>(['SIGSTOP', 'SIGCONT', 'SIGTSTP']);
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test run that crashes or forgets teardown must not leave redis-server orphans behind.
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** Sends PING over a raw socket; true on `+PONG` within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 250): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

class RedisServerProcess implements RedisServerHandle {
  readonly url: string;
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly startTimeoutMs: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async start(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    track(child);
    const keepTail = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4_000);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    // 'close' comes after the pipes drained: the bind error is the last thing redis-server prints.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // Neither the child nor its pipes may keep a test worker alive; the exit hook kills it.
    child.unref();
    for (const stream of [child.stdout, child.stderr])
      (stream as { unref?: () => void } | null)?.unref?.();

    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (spawnError)
        throw new Error(`cannot spawn ${this.binary}: ${spawnError.message}`, {
          cause: spawnError,
        });
      if (!this.running) {
        await Promise.race([closed, sleep(1_000)]);
        throw new Error(`redis-server exited during start-up: ${this.output.trim()}`);
      }
      if (await pingRedis(this.port)) return;
      await sleep(20);
    }
    await this.kill('SIGKILL');
    throw new Error(
      `redis-server did not answer PING within ${this.startTimeoutMs} ms: ${this.output.trim()}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    // A paused process keeps SIGTERM pending until it runs again.
    child.kill('SIGCONT');
    if (!(await waitForExit(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_GRACE_MS);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    if (NON_TERMINATING.has(signal)) return;
    if (!(await waitForExit(child, STOP_GRACE_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_GRACE_MS);
    }
  }

  pause(): Promise<void> {
    return this.kill('SIGSTOP');
  }

  resume(): Promise<void> {
    return this.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Spawns `redis-server` bound to 127.0.0.1 without persistence (`--save '' --appendonly no`) and
 * resolves once it answers PING (bounded by `startTimeoutMs`). Stop it in teardown; a process
 * exit hook also kills every server still alive, so none outlives the test process.
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServerHandle> {
  const binary = options.binary ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  // A free port may be taken between getFreePort() and bind; only then is another port worth a try.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const server = new RedisServerProcess(
      binary,
      options.port ?? (await getFreePort()),
      startTimeoutMs,
    );
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
      await server.kill('SIGKILL');
    }
  }
  throw lastError;
}

/** Where the tests' Redis comes from, see {@link redisAvailability}. */
export type RedisAvailability =
  | { available: true; source: 'url'; url: string }
  | { available: true; source: 'binary'; binary: string }
  | { available: false; reason: string };

/** Options of {@link redisAvailability}, {@link useRedisServer} and {@link describeWithRedis}. */
export interface RedisRequirement {
  /** The suite stops and restarts the server, so it needs `redis-server` even when REDIS_URL is set. */
  requireBinary?: boolean;
  /** Defaults to {@link readTestEnv}(). */
  env?: TestEnv;
}

/** Finds an executable `redis-server` in `dirs`. */
export function findRedisBinary(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Decides where Redis for tests comes from: `REDIS_URL` if set (unless `requireBinary`), else
 * `redis-server` on PATH, else unavailable. Under `CI` an unavailable Redis throws: CI must fail
 * loudly rather than skip the Redis tests.
 */
export function redisAvailability(options: RedisRequirement = {}): RedisAvailability {
  const env = options.env ?? readTestEnv();
  if (env.redisUrl && !options.requireBinary)
    return { available: true, source: 'url', url: env.redisUrl };
  const binary = findRedisBinary(env.pathDirs);
  if (binary) return { available: true, source: 'binary', binary };
  const reason = options.requireBinary
    ? 'redis-server not found on PATH (this suite stops and restarts the server)'
    : 'redis-server not found on PATH and REDIS_URL is not set';
  if (env.ci) throw new Error(`Redis is required in CI: ${reason}`);
  return { available: false, reason };
}

/** The Redis a suite runs against, filled in by the `beforeAll` that {@link useRedisServer} registers. */
export interface RedisFixture {
  readonly url: string;
  /** The spawned server (stop/kill/restart); throws when the suite runs against REDIS_URL. */
  readonly server: RedisServerHandle;
}

/**
 * Registers `beforeAll` (spawn redis-server, or use REDIS_URL) and `afterAll` (stop it) in the
 * current suite and returns a fixture whose fields are readable from `beforeAll`/tests on.
 * Throws (at registration) when Redis is unavailable; use {@link describeWithRedis} to skip.
 */
export function useRedisServer(options: RedisRequirement = {}): RedisFixture {
  const availability = redisAvailability(options);
  if (!availability.available) throw new Error(`Redis unavailable: ${availability.reason}`);
  let handle: RedisServerHandle | undefined;
  beforeAll(async () => {
    if (availability.source === 'binary')
      handle = await startRedisServer({ binary: availability.binary });
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return {
    get url(): string {
      if (availability.source === 'url') return availability.url;
      if (!handle) throw new Error('the Redis fixture is read before its beforeAll ran');
      return handle.url;
    },
    get server(): RedisServerHandle {
      if (!handle)
        throw new Error('no spawned redis-server (REDIS_URL in use or beforeAll not run yet)');
      return handle;
    },
  };
}

/**
 * `describe` that runs `fn` with a {@link RedisFixture} when Redis is available and is skipped
 * otherwise, with the reason in the suite name. Under `CI` unavailability throws instead.
 */
export function describeWithRedis(
  name: string,
  fn: (redis: RedisFixture) => void,
  options: RedisRequirement = {},
): void {
  const availability = redisAvailability(options);
  if (!availability.available) {
    const reason = availability.reason;
    const unavailable: RedisFixture = {
      get url(): string {
        throw new Error(`Redis unavailable: ${reason}`);
      },
      get server(): RedisServerHandle {
        throw new Error(`Redis unavailable: ${reason}`);
      },
    };
    // Registering the skipped tests keeps them visible as "skipped" in the report.
    describe.skip(`${name} (skipped: ${reason})`, () => fn(unavailable));
    return;
  }
  describe(name, () => fn(useRedisServer(options)));
}
