/**
 * Re-checks the layering invariants that matter most, straight from the sources, so that they
 * cannot be switched off quietly in the lint config.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const IGNORED_DIRS = new Set(['node_modules', 'dist', 'out-tsc', 'coverage', 'test-results', '.nx']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (IGNORED_DIRS.has(name) || name.startsWith('.')) return [];
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : /\.(ts|mts|js|mjs)$/.test(name) ? [full] : [];
  });
}

interface Project {
  name: string;
  dir: string;
  kind: 'app' | 'lib';
  tags: string[];
}

function projects(): Project[] {
  const found: Project[] = [];
  for (const group of ['apps', 'libs/shared']) {
    for (const name of readdirSync(path.join(root, group))) {
      const pkgFile = path.join(root, group, name, 'package.json');
      let pkg: { nx?: { name?: string; tags?: string[] } };
      try {
        pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      } catch {
        continue;
      }
      found.push({
        name: pkg.nx?.name ?? name,
        dir: path.join(root, group, name),
        kind: group === 'apps' ? 'app' : 'lib',
        tags: pkg.nx?.tags ?? [],
      });
    }
  }
  return found;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
}

const isTestFile = (file: string) => /\.spec\.ts$/.test(file) || file.includes(`${path.sep}test${path.sep}`);
const rel = (file: string) => path.relative(root, file);
const all = projects();
const appNames = new Set(all.filter((p) => p.kind === 'app').map((p) => `@mcpgw/${p.name}`));
const sourceFiles = all.flatMap((p) => walk(p.dir).map((file) => ({ project: p, file })));

describe('architecture invariants', () => {
  it('finds the workspace projects it checks', () => {
    expect(all.filter((p) => p.kind === 'app').length).toBeGreaterThanOrEqual(6);
    expect(sourceFiles.length).toBeGreaterThan(20);
  });

  it('gives every project exactly one scope tag and one type tag', () => {
    const bad = all.filter(
      (p) => p.tags.filter((t) => t.startsWith('scope:')).length !== 1 || p.tags.filter((t) => t.startsWith('type:')).length !== 1,
    );
    expect(bad.map((p) => p.name)).toEqual([]);
  });

  it('never imports an app, from a lib or from another app', () => {
    const offending = sourceFiles.flatMap(({ file }) =>
      importsOf(file)
        .filter((spec) => appNames.has(spec) || [...appNames].some((a) => spec.startsWith(`${a}/`)))
        .map((spec) => `${rel(file)} → ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the OpenTelemetry SDK out of libs except the telemetry node entry', () => {
    const offending = sourceFiles
      .filter(({ project, file }) => project.kind === 'lib' && !isTestFile(file))
      .filter(({ file }) => !rel(file).startsWith(path.join('libs', 'shared', 'telemetry', 'src', 'node')))
      .flatMap(({ file }) =>
        importsOf(file)
          .filter((spec) => /^@opentelemetry\/(sdk-|exporter-|resources|context-async-hooks)/.test(spec))
          .map((spec) => `${rel(file)} → ${spec}`),
      );
    expect(offending).toEqual([]);
  });

  it('keeps test helpers out of product code', () => {
    const offending = sourceFiles
      .filter(({ project, file }) => project.name !== 'testing' && !isTestFile(file))
      .flatMap(({ file }) =>
        importsOf(file)
          .filter((spec) => spec === '@mcpgw/testing' || spec.startsWith('@mcpgw/testing/'))
          .map((spec) => `${rel(file)} → ${spec}`),
      );
    expect(offending).toEqual([]);
  });

  it('reads process.env only in config modules', () => {
    const allowed = (file: string) =>
      /apps\/[^/]+\/src\/config\.ts$/.test(rel(file)) ||
      rel(file) === path.join('libs', 'shared', 'testing', 'src', 'test-env.ts');
    const offending = sourceFiles
      .filter(({ file }) => !isTestFile(file) && !allowed(file))
      .filter(({ file }) => /process\.env\b/.test(readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')))
      .map(({ file }) => rel(file));
    expect(offending).toEqual([]);
  });

  it('never disables the module boundary rule inline', () => {
    const self = fileURLToPath(import.meta.url);
    const files = [...sourceFiles.map((s) => s.file), ...walk(path.join(root, 'tools'))].filter((f) => f !== self);
    const offending = files.filter((file) => /eslint-disable[^\n]*enforce-module-boundaries/.test(readFileSync(file, 'utf8')));
    expect(offending.map(rel)).toEqual([]);
  });

  it('keeps the boundary rule on, with scope constraints, in the lint config', () => {
    const config = readFileSync(path.join(root, 'eslint.config.mjs'), 'utf8');
    expect(config).toMatch(/'@nx\/enforce-module-boundaries':\s*\[\s*'error'/);
    for (const scope of ['shared', 'gateway', 'chat', 'broker', 'analytics']) {
      expect(config).toContain(`sourceTag: 'scope:${scope}'`);
    }
    expect(config).not.toMatch(/'@nx\/enforce-module-boundaries':\s*(['"]off['"]|0|\[\s*['"](off|warn)['"])/);
  });
});
