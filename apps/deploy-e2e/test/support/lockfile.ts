import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './repo.js';

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function lockPackages(): Record<string, LockEntry> {
  return (
    JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    }
  ).packages;
}

/** Where Node would find `name` from the package at `from` (nested node_modules first, then up). */
function resolveIn(
  packages: Record<string, LockEntry>,
  from: string,
  name: string,
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut >= 0 ? dir.slice(0, cut) : '';
  }
}

/**
 * The packages `npm ci --omit=dev --workspace <app>` installs: the app's production
 * dependencies and theirs, through workspace links, as the lockfile resolves them.
 */
export function productionClosure(appDir: string): Set<string> {
  const packages = lockPackages();
  const names = new Set<string>();
  const seen = new Set<string>();
  const queue = [appDir];
  while (queue.length > 0) {
    const path = queue.shift() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path];
    if (!entry) continue;
    if (entry.link && entry.resolved) {
      queue.push(entry.resolved);
      continue;
    }
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const deps = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)),
    ];
    for (const name of deps) {
      const at = resolveIn(packages, path, name);
      if (!at) continue;
      names.add(name);
      queue.push(at);
    }
  }
  return names;
}

/** The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or undefined for builtins and relative paths. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// Specifiers of static and dynamic imports and requires (no whitespace: not prose in strings).
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\(\s*)['"]([^'"\s]+)['"]/g;

/** Every package imported by the .js files under `dir`. */
export function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) {
        for (const m of readFileSync(path, 'utf8').matchAll(IMPORT)) {
          const pkg = packageOf(m[1] as string);
          if (pkg) found.add(pkg);
        }
      }
    }
  };
  walk(dir);
  return found;
}
