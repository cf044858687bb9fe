import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { ROOT } from './repo.js';

const run = promisify(execFile);

/**
 * Lays out an app as its image does, without Docker: `deploy/docker/runtime-files.mjs` copies
 * the app's and its libraries' package.json and dist (and assets) into `dir`; node_modules
 * links the workspace's third-party packages (what `npm ci --omit=dev` installs in the image;
 * the lockfile closure is checked separately) and only the copied workspace libraries.
 */
export async function layOutImage(
  app: string,
  dir: string,
  assets: readonly string[],
): Promise<string[]> {
  await run(
    process.execPath,
    [join(ROOT, 'deploy/docker/runtime-files.mjs'), app, dir, ...assets],
    { cwd: ROOT },
  );
  const copied = ['apps', 'libs/shared'].flatMap((parent) =>
    existsSync(join(dir, parent))
      ? readdirSync(join(dir, parent))
          .map((name) => `${parent}/${name}`)
          .filter((ws) => existsSync(join(dir, ws, 'package.json')))
      : [],
  );
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@mcpgw'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@mcpgw' || entry.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const workspace of copied) {
    const name = workspace.split('/').pop() as string;
    symlinkSync(join(dir, workspace), join(modules, '@mcpgw', name));
    // Versions npm nested under a workspace (they differ from the hoisted ones).
    const nested = join(ROOT, workspace, 'node_modules');
    if (existsSync(nested)) symlinkSync(nested, join(dir, workspace, 'node_modules'));
  }
  return copied;
}

/** A compiled app process started from an image layout. */
export interface DistProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: string[];
  stop(): Promise<number | null>;
}

/** The flag of Node's permission model on this Node (renamed from --experimental-permission in 22.13/23.5). */
export function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
}

/**
 * Starts `node apps/<app>/dist/main.js` in `dir` under Node's permission model: reads anywhere,
 * writes only under `writable` (the image's tmpfs /tmp), no child processes or workers. A write
 * anywhere else throws ERR_ACCESS_DENIED, as a read-only root filesystem would refuse it.
 */
export async function startDist(
  app: string,
  dir: string,
  writable: string,
  env: Record<string, string>,
): Promise<DistProcess> {
  const child = spawn(
    process.execPath,
    [
      permissionFlag(),
      '--allow-fs-read=*',
      `--allow-fs-write=${writable}/*`,
      `apps/${app}/dist/main.js`,
    ],
    {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        TMPDIR: writable,
        HOST: '127.0.0.1',
        PORT: '0',
        NODE_ENV: 'production',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`${app} did not listen within 30 s:\n${lines.join('\n')}`));
    }, 30_000);
    const poll = setInterval(() => {
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { message?: string; url?: string };
        if (record.message === 'listening' && record.url) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(record.url);
          return;
        }
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${app} exited (${String(code)}) before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    url,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
