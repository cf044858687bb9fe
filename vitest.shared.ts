import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest configuration for every project: tests resolve workspace libs from source
 * (the `@mcpgw/source` export condition), run in Node, and write a JSON report that
 * `npm test` sums into the closing `N passed, N failed` line.
 */
export function projectVitestConfig(
  projectDir: string,
  name: string,
  include = ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
): ViteUserConfig {
  return defineConfig({
    root: projectDir,
    cacheDir: '../../node_modules/.vite/' + name,
    // Workspace libs from source; no `module` condition, which would pick untranspiled ESM
    // builds (e.g. @opentelemetry/api's) that Node itself cannot load.
    resolve: { conditions: ['@mcpgw/source', 'node', 'development|production'] },
    ssr: { resolve: { conditions: ['@mcpgw/source', 'node', 'development|production'] } },
    test: {
      name,
      environment: 'node',
      include,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      pool: 'forks',
    },
  });
}
