/**
 * The benchmark's processes: spawned on a chosen port (optionally pinned to one core with
 * `taskset`), awaited until they answer HTTP, and measured from /proc (CPU time, RSS).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** user + system CPU time so far, in µs; undefined without /proc. */
  cpuMicros(): number | undefined;
  /** Resident set size in bytes; undefined without /proc. */
  rssBytes(): number | undefined;
  /** The end of the process's output (for error reports). */
  tail(): string;
  /** How many lines of the process's output match `pattern` (e.g. Node process warnings). */
  countLines(pattern: RegExp): number;
  /** The lines of the process's output that match `pattern`, in order. */
  matchingLines(pattern: RegExp): string[];
  /** How many bytes of output so far: a mark for {@link linesBetween}. */
  outputBytes(): number;
  /** The lines written between two marks that match `pattern`, read as a stream (the output may be large). */
  linesBetween(from: number, to: number, pattern: RegExp): Promise<string[]>;
  stop(): Promise<void>;
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether processes can be pinned to a core (`taskset` from util-linux). */
export const canPin = commandExists('taskset');
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Pins every thread of a running process to `cpu` (no-op without taskset). */
export function pinProcess(pid: number, cpu: number): void {
  if (canPin) execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

export function readCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is field 3, utime 14 and stime 15 (man 5 proc).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export function readRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface StartOptions {
  name: string;
  /** The Node binary to run. */
  node: string;
  args: readonly string[];
  cwd: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  /** Where the child's stdout and stderr go. */
  logFile: string;
  /** The port the child listens on (see {@link freePort}). */
  port: number;
  /** Pin to this core when taskset exists. */
  cpu?: number;
  timeoutMs?: number;
}

function tailOf(file: string, bytes = 4096): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

function outputBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function linesBetween(
  file: string,
  from: number,
  to: number,
  pattern: RegExp,
): Promise<string[]> {
  if (to <= from) return [];
  const found: string[] = [];
  const lines = createInterface({
    input: createReadStream(file, { start: from, end: to - 1, encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) if (pattern.test(line)) found.push(line);
  return found;
}

function matching(file: string, pattern: RegExp): string[] {
  return tailOf(file, Number.MAX_SAFE_INTEGER)
    .split('\n')
    .filter((line) => pattern.test(line));
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the child to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a Node process that listens on `port` and resolves once it answers HTTP there (any
 * status: readiness must not depend on the log level). Its output goes to a file, as a container
 * runtime would take it: a pipe drained by this busy load generator would block the process on its
 * own log writes (stdout to a pipe is synchronous on Linux).
 */
export async function startProcess(options: StartOptions): Promise<BenchProcess> {
  const argv = [options.node, ...options.args];
  const [command, ...args] =
    canPin && options.cpu !== undefined ? ['taskset', '-c', String(options.cpu), ...argv] : argv;
  const out = openSync(options.logFile, 'w');
  const child: ChildProcess = spawn(command ?? options.node, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await answers(url))) {
    if (exited || Date.now() > deadline || child.pid === undefined) {
      child.kill('SIGKILL');
      throw new Error(
        `${options.name} ${exited ? 'exited early' : 'did not answer in time'}:\n${tailOf(options.logFile)}`,
      );
    }
    await sleep(100);
  }
  const pid = child.pid ?? 0;
  return {
    name: options.name,
    pid,
    url,
    cpuMicros: () => readCpuMicros(pid),
    rssBytes: () => readRssBytes(pid),
    tail: () => tailOf(options.logFile),
    countLines: (pattern) => matching(options.logFile, pattern).length,
    matchingLines: (pattern) => matching(options.logFile, pattern),
    outputBytes: () => outputBytes(options.logFile),
    linesBetween: (from, to, pattern) => linesBetween(options.logFile, from, to, pattern),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    },
  };
}

/**
 * A stand-in for the analytics collector's `POST /v1/events`, so the gateway's audit outbox drains,
 * and for an OpenTelemetry collector's OTLP/HTTP `POST /v1/traces` (`--traces`).
 */
const DECISION_ERROR = '"decision":"error"';
/** Each span of an OTLP/JSON export carries one `spanId` key (a parent's is `parentSpanId`). */
const SPAN_ID_KEY = '"spanId"';

/** How often `needle` occurs in `text`, counted without parsing. */
export function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length))
    count += 1;
  return count;
}

export async function startCollectorSink(): Promise<{
  url: string;
  events(): number;
  /** Events with `"decision":"error"` (failed calls; also the calls a closed-loop run cuts off at its end). */
  errors(): number;
  /** Spans received on `/v1/traces`. */
  spans(): number;
  close(): Promise<void>;
}> {
  let events = 0;
  let errors = 0;
  let spans = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Counted without parsing: the sink shares a process with the load generator, and parsing
      // hundreds of thousands of events there stalled the generator's schedule (GC pauses).
      const text = Buffer.concat(chunks).toString('latin1');
      if (req.url === '/v1/traces') {
        spans += occurrences(text, SPAN_ID_KEY);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      events += occurrences(text, '"event_id"');
      errors += occurrences(text, DECISION_ERROR);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events: () => events,
    errors: () => errors,
    spans: () => spans,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
