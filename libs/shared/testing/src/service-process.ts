import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a service process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A real app process started from source, as `nx serve` runs it. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Base URL taken from the service's own `listening` log line. */
  readonly url: string;
  /** Every stdout/stderr line so far. */
  lines(): readonly string[];
  /** stdout lines that parse as JSON objects (the service's log records). */
  logRecords(): ReadonlyArray<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit, killing it after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
}

export interface StartServiceProcessOptions {
  /** Absolute path of the app folder (the one holding `src/main.ts`). */
  appDir: string;
  /** The complete environment of the child: nothing is inherited from the test process. */
  env: Record<string, string>;
  /** How long to wait for the `listening` log line. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function spawnService(options: StartServiceProcessOptions) {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--conditions=@mcpgw/source', '--import', 'tsx', 'src/main.ts'],
    { cwd: options.appDir, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const lines: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const collect = (stream: NodeJS.ReadableStream | null, isStdout: boolean) => {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (!isStdout || !line.startsWith('{')) return;
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === 'object') records.push(parsed as Record<string, unknown>);
      } catch {
        // not a log record
      }
    });
  };
  collect(child.stdout, true);
  collect(child.stderr, false);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, lines, records, exited };
}

/** Runs an app that is expected to exit by itself (e.g. on bad config) and returns its exit and output. */
export async function runServiceToExit(
  options: StartServiceProcessOptions,
): Promise<ProcessExit & { output: string }> {
  const { child, lines, exited } = spawnService(options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, output: lines.join('\n') };
}

/** Starts an app from source with `env` and resolves once it logs that it is listening. */
export async function startServiceProcess(options: StartServiceProcessOptions): Promise<ServiceProcess> {
  const { child, lines, records, exited } = spawnService(options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`service did not listen within ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const listening = records.find((r) => r['message'] === 'listening' && typeof r['url'] === 'string');
      if (listening) {
        clearInterval(poll);
        clearTimeout(deadline);
        resolve(String(listening['url']));
      }
    }, 25);
    void exited.then((exit) => {
      clearInterval(poll);
      clearTimeout(deadline);
      reject(new Error(`service exited early (${exit.code ?? exit.signal}):\n${lines.join('\n')}`));
    });
  });

  return {
    child,
    url,
    lines: () => lines,
    logRecords: () => records,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}
