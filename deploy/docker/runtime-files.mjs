#!/usr/bin/env node
// Collects what one app needs at run time, after `nx build <app>`, into an output folder that
// mirrors the workspace layout: the app's and its production workspace libraries' package.json
// and compiled dist/ (no declarations, no build info), plus the app's data folders.
// The image copies this folder over production node_modules installed from the workspace
// lockfile; see docs/adr/0006-images.md.
//
//   node deploy/docker/runtime-files.mjs <app> <out-dir> [asset-dir-in-app ...]
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

class RuntimeFilesError extends Error {
  code = 'RUNTIME_FILES_INVALID';
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Workspace package name -> folder, from the root package.json's `workspaces` (`dir/*` or `dir`). */
export function workspacePackages(root = ROOT) {
  const packages = new Map();
  for (const pattern of readJson(join(root, 'package.json')).workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(pattern.slice(0, -2), d.name))
      : [pattern];
    for (const dir of dirs) {
      const manifest = join(root, dir, 'package.json');
      if (existsSync(manifest)) packages.set(readJson(manifest).name, dir);
    }
  }
  return packages;
}

/** The app folder and every workspace library reachable through `dependencies` (never devDependencies). */
export function runtimeClosure(appDir, root = ROOT) {
  const packages = workspacePackages(root);
  const seen = new Set([appDir]);
  const queue = [appDir];
  while (queue.length > 0) {
    const dir = queue.shift();
    for (const name of Object.keys(readJson(join(root, dir, 'package.json')).dependencies ?? {})) {
      const dep = packages.get(name);
      if (dep && !seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return [...seen];
}

const SKIPPED = [/\.d\.ts$/, /\.d\.ts\.map$/, /\.tsbuildinfo$/];

/** Copies package.json and dist/ of each folder of the closure, then the app's asset folders. */
export function collectRuntimeFiles(app, outDir, assets = [], root = ROOT) {
  const appDir = join('apps', app);
  if (!existsSync(join(root, appDir, 'package.json')))
    throw new RuntimeFilesError(`no app at ${appDir}`);
  const copied = [];
  for (const dir of runtimeClosure(appDir, root)) {
    const dist = join(root, dir, 'dist');
    if (!existsSync(join(dist, 'index.js')) && !existsSync(join(dist, 'main.js'))) {
      throw new RuntimeFilesError(`${dir}/dist is missing: run \`npx nx build ${app}\` first`);
    }
    mkdirSync(join(outDir, dir), { recursive: true });
    writeFileSync(join(outDir, dir, 'package.json'), readFileSync(join(root, dir, 'package.json')));
    cpSync(dist, join(outDir, dir, 'dist'), {
      recursive: true,
      filter: (src) => !SKIPPED.some((re) => re.test(src)),
    });
    copied.push(dir);
  }
  for (const asset of assets) {
    const from = join(root, appDir, asset);
    if (!existsSync(from)) throw new RuntimeFilesError(`asset ${appDir}/${asset} does not exist`);
    cpSync(from, join(outDir, appDir, asset), { recursive: true });
  }
  return copied;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [app, outDir, ...assets] = process.argv.slice(2);
  if (!app || !outDir) {
    process.stderr.write('usage: runtime-files.mjs <app> <out-dir> [asset-dir ...]\n');
    process.exit(2);
  }
  try {
    const copied = collectRuntimeFiles(app, resolve(outDir), assets);
    process.stdout.write(
      `runtime files of ${app}: ${copied.join(', ')}${assets.length ? ` + ${assets.join(', ')}` : ''}\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
