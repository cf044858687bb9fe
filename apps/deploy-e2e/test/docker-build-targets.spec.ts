import { describe, expect, it } from 'vitest';
import { imageApps, readPackageJson, readText, runInRoot } from './support/repo.js';

/** The six apps that ship an image, by folder. */
const APPS = [
  'analytics-collector',
  'claude-mcp-client',
  'gateway',
  'sandbox-log-analysis',
  'sentraip-oauth-broker',
  'sentraip-simulator',
];

interface DockerBuildTarget {
  executor: string;
  dependsOn: unknown[];
  inputs: string[];
  options: { command: string; cwd: string };
}

const targetOf = (app: string): DockerBuildTarget =>
  (
    JSON.parse(readText(`apps/${app}/project.json`)) as {
      targets: Record<string, DockerBuildTarget>;
    }
  ).targets['docker-build'] as DockerBuildTarget;

async function affected(file: string): Promise<string[]> {
  const out = await runInRoot('npx', [
    'nx',
    'show',
    'projects',
    '--affected',
    `--files=${file}`,
    '-t',
    'docker-build',
  ]);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** Apps whose production dependency closure (package.json `dependencies`) contains `lib`. */
function appsUsing(lib: string): string[] {
  const name = readPackageJson(`libs/shared/${lib}`).name;
  const reaches = (dir: string, seen = new Set<string>()): boolean => {
    if (seen.has(dir)) return false;
    seen.add(dir);
    const deps = Object.keys(readPackageJson(dir).dependencies ?? {});
    return (
      deps.includes(name) ||
      deps
        .filter((d) => d.startsWith('@mcpgw/'))
        .some((d) => reaches(`libs/shared/${d.slice('@mcpgw/'.length)}`, seen))
    );
  };
  return APPS.filter((app) => reaches(`apps/${app}`)).sort();
}

describe('docker-build targets', () => {
  it('exist for exactly the six apps, each building its own Dockerfile into mcpgw/<app>', () => {
    expect(imageApps()).toEqual(APPS);
    for (const app of APPS) {
      const target = targetOf(app);
      expect(target.executor).toBe('nx:run-commands');
      expect(target.dependsOn).toEqual([]);
      expect(target.options.command).toBe(
        `docker build -f apps/${app}/Dockerfile -t mcpgw/${app}:latest .`,
      );
      expect(target.inputs).toEqual(
        expect.arrayContaining(['production', '^production', '{workspaceRoot}/package-lock.json']),
      );
    }
  });

  it('are what Nx lists for the docker-build target', async () => {
    const out = await runInRoot('npx', ['nx', 'show', 'projects', '-t', 'docker-build']);
    expect(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .sort(),
    ).toEqual(APPS);
  }, 120_000);

  it('touching only the broker affects only the broker image', async () => {
    expect(await affected('apps/sentraip-oauth-broker/src/main.ts')).toEqual([
      'sentraip-oauth-broker',
    ]);
  }, 120_000);

  it('touching a shared library affects exactly the images that ship it', async () => {
    expect(appsUsing('state')).not.toEqual(APPS);
    expect(await affected('libs/shared/state/src/index.ts')).toEqual(appsUsing('state'));
  }, 120_000);

  it('touching the image support scripts affects every image; dashboards affect none', async () => {
    expect(await affected('deploy/docker/runtime-files.mjs')).toEqual(APPS);
    expect(await affected('deploy/grafana/dashboards.mjs')).toEqual([]);
  }, 120_000);
});
