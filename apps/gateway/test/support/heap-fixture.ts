import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Runs one of `test/fixtures/*-retention.ts` in a fresh process of `node` (a small young
 * generation, so scavenges happen while its entries come and go) and returns how many bytes its
 * old generation grew.
 */
export async function oldGenerationGrowth(fixture: string, mode: string, node = process.execPath): Promise<number> {
  const path = fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  const { stdout } = await promisify(execFile)(node, ['--max-semi-space-size=1', '--import', 'tsx', path, mode], { timeout: 60_000 });
  return (JSON.parse(stdout) as { grewBytes: number }).grewBytes;
}
