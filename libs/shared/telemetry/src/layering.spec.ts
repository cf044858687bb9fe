import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;
const MAIN_ENTRY_DEPENDENCIES = ['@opentelemetry/api', 'winston', 'prom-client'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map(
    (m) => m[1] ?? '',
  );
}

describe('main entry layering', () => {
  it('imports only the OpenTelemetry API, winston, prom-client, node builtins and itself', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(5);
    const offending = files.flatMap((file) =>
      imports(file)
        .filter(
          (spec) =>
            !spec.startsWith('./') &&
            !spec.startsWith('node:') &&
            !MAIN_ENTRY_DEPENDENCIES.includes(spec),
        )
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
