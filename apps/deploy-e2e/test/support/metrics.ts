import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo.js';

/** Metric names registered in the services' and libraries' source (spec files excluded). */
export function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\bname:\s*'([a-z_:][a-z0-9_:]*)'/g))
          names.add(m[1] as string);
      }
    }
  };
  for (const parent of ['apps', 'libs/shared']) {
    for (const project of readdirSync(join(ROOT, parent))) {
      const src = join(ROOT, parent, project, 'src');
      try {
        if (statSync(src).isDirectory()) walk(src);
      } catch {
        // a project without src/ (e2e projects)
      }
    }
  }
  return names;
}

/** Metrics that exist without a registration in our code. */
const EXTERNAL = [/^up$/, /^process_/, /^nodejs_/, /^otelcol_/, /^otel_/];

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (functions, keywords, labels and durations removed). */
export function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has((name as string).toLowerCase())) continue;
    names.add(name as string);
  }
  return [...names];
}

/** Whether a selected metric exists: registered directly, as a histogram series, or external. */
export function metricExists(name: string, registered: ReadonlySet<string>): boolean {
  if (EXTERNAL.some((re) => re.test(name))) return true;
  if (registered.has(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && registered.has(base);
}
