/**
 * The Node flags the gateway's image starts it with: the arguments between `node` and the entry
 * point in the last `CMD` of `apps/gateway/Dockerfile`. The benchmark starts the gateway with the
 * same ones, read from there, so that it measures what ships (the heap flags of ADR 0009 change
 * when full GCs come, and with them the p99).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The flags of the last exec-form `CMD ["node", ...flags, entry]` in a Dockerfile's text. */
export function nodeFlagsOfCmd(dockerfile: string): string[] {
  const cmds = dockerfile.split('\n').filter((line) => /^CMD\s+\[/.test(line));
  const last = cmds[cmds.length - 1];
  if (last === undefined) throw new Error('the Dockerfile has no exec-form CMD');
  const argv: unknown = JSON.parse(last.replace(/^CMD\s+/, ''));
  if (!Array.isArray(argv) || !argv.every((a): a is string => typeof a === 'string'))
    throw new Error(`CMD is not an array of strings: ${last}`);
  if (argv[0] !== 'node' || argv.length < 2)
    throw new Error(`CMD does not start node with an entry point: ${last}`);
  return argv.slice(1, -1);
}

export function gatewayImageNodeFlags(repoRoot: string): string[] {
  return nodeFlagsOfCmd(readFileSync(join(repoRoot, 'apps', 'gateway', 'Dockerfile'), 'utf8'));
}
