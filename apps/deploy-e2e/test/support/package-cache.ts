import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Installed, or why not. */
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
 * Installs exact versions of npm packages that are not workspace dependencies (the Kubernetes
 * schema validator) into a git-ignored cache folder, unless they are there already. The npm
 * registry is the only network these tests use.
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
  // Its own package.json keeps npm from treating the workspace root as the project.
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'mcpgw-deploy-e2e-cache', private: true }) + '\n',
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
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail =
      typeof stderr === 'string' && stderr.trim()
        ? stderr.trim().split('\n').slice(-3).join(' ')
        : String(err);
    return { ok: false, reason: `npm install ${names.join(' ')} failed: ${detail.slice(0, 400)}` };
  }
  return { ok: true, dir };
}
