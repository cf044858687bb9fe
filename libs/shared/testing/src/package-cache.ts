import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The result of {@link ensureCachedPackages}: installed, or why not. */
export type CacheResult = { ok: true; dir: string } | { ok: false; reason: string };

async function installedVersion(dir: string, name: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(
      await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Installs exact versions of npm packages into a git-ignored cache folder (one `npm install` for
 * all of them, so none prunes another), unless they are there already. Tools that are not
 * dependencies of the workspace (the MCP Inspector, a Node 24 binary) come from the npm registry
 * at test time this way; the only network the tests use.
 */
export async function ensureCachedPackages(
  dir: string,
  packages: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<CacheResult> {
  const names = Object.keys(packages);
  const versions = await Promise.all(names.map((name) => installedVersion(dir, name)));
  if (names.every((name, i) => versions[i] === packages[name])) return { ok: true, dir };
  await mkdir(dir, { recursive: true });
  // A package.json of its own keeps npm from treating the workspace root as the project.
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'mcpgw-e2e-cache', private: true }, null, 2) + '\n',
  );
  try {
    await run(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...names.map((n) => `${n}@${packages[n]}`),
      ],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const detail = (err as { stderr?: unknown }).stderr;
    const tail =
      typeof detail === 'string' && detail.trim()
        ? detail.trim().split('\n').slice(-3).join(' ')
        : err instanceof Error
          ? err.message
          : String(err);
    return { ok: false, reason: `npm install ${names.join(' ')} failed: ${tail.slice(0, 400)}` };
  }
  return { ok: true, dir };
}

/** Whether this Node satisfies `>= major.minor`. */
export function nodeAtLeast(
  major: number,
  minor: number,
  version = process.versions.node,
): boolean {
  const [maj = 0, min = 0] = version.split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}
