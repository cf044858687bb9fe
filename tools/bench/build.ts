/**
 * What the benchmark runs is built first, as it ships: the gateway's Nx build (`dist`, what its
 * image runs: `node apps/gateway/dist/main.js`), and the benchmark's own
 * child scripts (fixture upstream, floor proxy) compiled by tsc, so no process under measurement
 * pays a loader's per-module or per-closure costs (tsx keeps function names by wrapping every
 * closure it creates). Nx caches the gateway build, so a second run costs seconds.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Where the compiled bench scripts go (tsconfig.scripts.json). */
export const SCRIPTS_DIR = join('tools', 'bench', 'out-tsc', 'scripts');

export function buildBenchTargets(repoRoot: string, log: (message: string) => void): void {
  log('building the gateway (nx build gateway) and the bench scripts (tsc)');
  execFileSync('npx', ['nx', 'build', 'gateway', '--outputStyle=static'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync('npx', ['tsc', '-p', join('tools', 'bench', 'tsconfig.scripts.json')], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
