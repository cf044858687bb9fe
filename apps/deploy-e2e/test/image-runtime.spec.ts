import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDist, layOutImage, type DistProcess } from './support/image-layout.js';
import { importedPackages, productionClosure } from './support/lockfile.js';
import { imageApps, readPackageJson, ROOT, runInRoot } from './support/repo.js';

const run = promisify(execFile);
const ASSETS: Record<string, string[]> = {
  'sentraip-simulator': ['data'],
  'sandbox-log-analysis': ['corpus'],
  gateway: ['config'],
};
const work = mkdtempSync(join(tmpdir(), 'mcpgw-image-'));

beforeAll(async () => {
  // The images run `nx build <app>`; the same build here (incremental: quick when up to date).
  await runInRoot(
    'npx',
    ['nx', 'run-many', '-t', 'build', '-p', ...imageApps(), '--outputStyle=static'],
    {},
    540_000,
  );
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function healthcheck(port: string): Promise<number> {
  try {
    await run(process.execPath, [join(ROOT, 'deploy/docker/healthcheck.mjs')], {
      env: { PATH: process.env['PATH'] ?? '', PORT: port },
      timeout: 10_000,
    });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe.each(imageApps())('image layout of %s', (app) => {
  const dir = join(work, app);
  const writable = join(work, `${app}-tmp`);
  let proc: DistProcess | undefined;
  afterAll(async () => {
    await proc?.stop();
  });

  it('imports only packages its production install provides', async () => {
    const copied = await layOutImage(app, dir, ASSETS[app] ?? []);
    expect(copied).toContain(`apps/${app}`);
    const closure = productionClosure(`apps/${app}`);
    const workspaces = new Set(copied.map((ws) => readPackageJson(ws).name));
    for (const ws of copied) {
      const missing = [...importedPackages(join(dir, ws, 'dist'))].filter(
        (p) => !closure.has(p) && !workspaces.has(p),
      );
      expect(
        missing,
        `${ws} imports packages that npm ci --omit=dev --workspace does not install`,
      ).toEqual([]);
    }
    expect(
      readdirSync(join(dir, 'libs/shared')).includes('testing'),
      'test helpers stay out of the image',
    ).toBe(false);
  });

  it('starts from the compiled layout writing nowhere but /tmp, passes its health check, stops on SIGTERM', async () => {
    mkdirSync(writable, { recursive: true });
    proc = await startDist(app, dir, writable, {});
    const port = new URL(proc.url).port;
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    expect(await healthcheck(port)).toBe(0);
    expect(proc.lines.filter((l) => l.includes('ERR_ACCESS_DENIED'))).toEqual([]);
    expect(await proc.stop()).toBe(0);
    proc = undefined;
    expect(await healthcheck(port)).toBe(1);
  }, 60_000);
});

describe('healthcheck.mjs', () => {
  it('fails without a usable PORT', async () => {
    expect(await healthcheck('not-a-port')).toBe(1);
  });
});
