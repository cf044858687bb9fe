import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';

/** The workspace root. */
export const ROOT = resolve(import.meta.dirname, '../../../..');

/** Reads a workspace file as text. */
export const readText = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Parses a workspace YAML file (YAML 1.1 merge keys honoured, as docker compose does). */
export function readYaml(path: string): unknown {
  return parse(readText(path), { merge: true });
}

/** Every document of a multi-document YAML text. */
export function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => doc.toJSON() as unknown);
}

/** A workspace package.json. */
export function readPackageJson(dir: string): {
  name: string;
  dependencies?: Record<string, string>;
} {
  return JSON.parse(readText(join(dir, 'package.json'))) as {
    name: string;
    dependencies?: Record<string, string>;
  };
}

/** The apps that ship an image: those whose project.json has a docker-build target. */
export function imageApps(): string[] {
  return readdirSync(join(ROOT, 'apps'))
    .filter((app) => existsSync(join(ROOT, 'apps', app, 'project.json')))
    .filter((app) => {
      const project = JSON.parse(readText(`apps/${app}/project.json`)) as {
        targets?: Record<string, unknown>;
      };
      return project.targets?.['docker-build'] !== undefined;
    })
    .sort();
}

const run = promisify(execFile);

/** Runs a command from the workspace root and returns its stdout. */
export async function runInRoot(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<string> {
  const { stdout } = await run(command, [...args], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', ...env },
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
