import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPort } from './support/app-config.js';
import {
  execForm,
  parseDockerfile,
  resolvedBase,
  type Dockerfile,
  type Stage,
} from './support/dockerfile.js';
import { imageApps, readPackageJson, readText, ROOT } from './support/repo.js';

const dockerfileOf = (app: string): Dockerfile =>
  parseDockerfile(readText(`apps/${app}/Dockerfile`));
const last = (d: Dockerfile): Stage => d.stages[d.stages.length - 1] as Stage;
const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);
const stageNamed = (d: Dockerfile, name: string): Stage => {
  const stage = d.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
};
/** The assets an app's runtime stage needs next to dist/ (data files, sample corpus, example config). */
/** Node flags an app's image gives its main: the gateway's young generation, old generation floor and no memory reducer (ADR 0009). */
const NODE_FLAGS: Record<string, string[]> = {
  gateway: ['--max-semi-space-size=16', '--initial-old-space-size=128', '--no-memory-reducer'],
};
const ASSETS: Record<string, string[]> = {
  'sentraip-simulator': ['data'],
  'sandbox-log-analysis': ['corpus'],
  gateway: ['config'],
};

describe('parseDockerfile', () => {
  it('joins continuations, drops comments, groups stages and resolves ARG defaults', () => {
    const d = parseDockerfile(
      'ARG IMG=node:24-slim\n# c\nFROM ${IMG} AS a\nRUN one \\\n  two\nFROM a\nUSER 1:1\nCMD ["node", "x"]\n',
    );
    expect(d.stages.map((s) => s.name)).toEqual(['a', undefined]);
    expect(resolvedBase(d, d.stages[0] as Stage)).toBe('node:24-slim');
    expect(d.stages[0]?.instructions).toEqual([{ keyword: 'RUN', args: 'one two' }]);
    expect(execForm(d.stages[1]?.instructions[1])).toEqual(['node', 'x']);
    expect(() => parseDockerfile('RUN x\n')).toThrow(/before the first FROM/);
  });
});

describe.each(imageApps())('apps/%s/Dockerfile', (app) => {
  const d = dockerfileOf(app);
  const runtime = last(d);

  it('builds in stages from the Node 24 slim base', () => {
    expect(d.stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of d.stages) {
      const base = resolvedBase(d, stage);
      if (!d.stages.some((s) => s.name === base))
        expect(base, `stage ${stage.name ?? '(final)'}`).toMatch(
          /^node:24(\.\d+)*-(bookworm|trixie)-slim$/,
        );
    }
  });

  it('builds the app with Nx and collects its runtime files', () => {
    const run = all(stageNamed(d, 'build'), 'RUN')
      .map((i) => i.args)
      .join(' && ');
    expect(run).toContain(`npx nx build ${app} `);
    expect(run).toContain(
      `node deploy/docker/runtime-files.mjs ${app} /runtime${ASSETS[app] ? ` ${(ASSETS[app] ?? []).join(' ')}` : ''}`,
    );
    for (const asset of ASSETS[app] ?? [])
      expect(existsSync(join(ROOT, 'apps', app, asset)), asset).toBe(true);
  });

  it('installs production dependencies of this workspace only, from the lockfile', () => {
    const run = all(stageNamed(d, 'prod-deps'), 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(run).toMatch(
      new RegExp(
        `npm ci --omit=dev --workspace ${readPackageJson(`apps/${app}`).name.replace('/', '\\/')} --include-workspace-root=false`,
      ),
    );
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=prod-deps /workspace/ ./');
    expect(copies).toContain('--from=build /runtime/ ./');
    expect(
      copies.filter((c) => !c.startsWith('--from=')),
      'the runtime stage copies nothing from the build context',
    ).toEqual([]);
  });

  it('runs as a numeric non-root user', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = (users[users.length - 1]?.args ?? '').split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
  });

  it('has tini as PID 1 and starts the compiled main with node', () => {
    expect(
      all(runtime, 'RUN')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(execForm(all(runtime, 'ENTRYPOINT')[0])).toEqual(['/usr/bin/tini', '--']);
    // Source maps are opt-in (NODE_OPTIONS), for their cost where stacks are read (ADR 0006).
    expect(execForm(all(runtime, 'CMD')[0])).toEqual([
      'node',
      ...(NODE_FLAGS[app] ?? []),
      `apps/${app}/dist/main.js`,
    ]);
  });

  const flags = NODE_FLAGS[app];
  if (flags)
    it("gives node the same flags in its package's start script", () => {
      const { scripts } = JSON.parse(readText(`apps/${app}/package.json`)) as {
        scripts?: Record<string, string>;
      };
      const start = (scripts?.['start'] ?? '').split(/\s+/);
      expect(start[0]).toBe('node');
      for (const flag of flags) expect(start, flag).toContain(flag);
    });

  it('checks /health with node, listens on all interfaces on the default port', () => {
    const health = all(runtime, 'HEALTHCHECK')[0];
    expect(health?.args).toMatch(
      /--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+/,
    );
    expect(execForm(health)).toEqual(['node', '/app/healthcheck.mjs']);
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain(
      '--from=build /workspace/deploy/docker/healthcheck.mjs /app/healthcheck.mjs',
    );
    const env = all(runtime, 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain(`PORT=${defaultPort(app)}`);
    expect(env).toContain('NODE_ENV=production');
    expect(all(runtime, 'EXPOSE').map((i) => i.args)).toEqual([String(defaultPort(app))]);
    if (app === 'sandbox-log-analysis') expect(env).toContain('MCP_TRANSPORT=http');
  });

  it('needs no writable path in the image (nothing chowned to the service user, no VOLUME)', () => {
    expect(all(runtime, 'VOLUME')).toEqual([]);
    expect(runtime.instructions.map((i) => i.args).join(' ')).not.toMatch(/chown|chmod/);
  });
});

describe('.dockerignore', () => {
  it('keeps installed modules, build output, git data and secrets out of the build context', () => {
    const lines = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of [
      '**/node_modules',
      '**/dist',
      '.git',
      '.env',
      'deploy/k8s/overlays/*/secrets.env',
    ])
      expect(lines).toContain(entry);
  });
});
